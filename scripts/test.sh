#!/usr/bin/env bash
# test.sh: the whole suite, as CI runs it (via `make test`).
#   1. static checks: gofmt, go vet, the layout rules (layout_test.go)
#   2. every Go test; root tests run when we are root and skip otherwise
#   3. the pure cgroup v2 VM lane (scripts/test-vm.sh), when qemu is present
#   4. a leak check: nothing of skiff's may be left mounted or running
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt would change: $unformatted"; exit 1; fi

echo "== go vet"
go vet ./...

# Tests use temporary roots; the real state directories must not appear.
for d in /run/skiff /var/lib/skiff; do [ -e "$d" ] && export SKIFF_HAD_"$(basename "$(dirname "$d")")"=1; done

echo "== go test"
# -p 2: two cores; root tests of different packages may run side by side and
# must not share names (each uses its own temporary root).
SKIFF_BIN="$PWD/bin/skiff" go test -count=1 -p 2 -timeout 15m ./... 2>&1 | tee /tmp/skiff-go-test.log
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || exit "$status"

if [ -x scripts/test-vm.sh ] && [ "${SKIFF_SKIP_VM:-}" = "" ]; then
  echo "== pure cgroup v2 VM lane"
  ./scripts/test-vm.sh
fi

if [ "${SKIFF_SKIP_CONFORMANCE:-}" = "" ]; then
  # Report only: the scores of runc and skiff side by side (the bar is
  # checked by `make conformance`, which exits 1 when skiff is below it).
  echo "== OCI runtime conformance (runc vs skiff, report only)"
  CONFORMANCE_REPORT_ONLY=1 ./scripts/conformance.sh
fi

echo "== leftovers"
./scripts/leftovers.sh
