#!/usr/bin/env bash
# bench.sh: skiff against its peers on this machine, side by side in one
# run, each printing a paired ratio (skiff time / peer time; < 1 is faster).
#   runc:    `run` of the same busybox bundle (args: true), alternating
#   umoci:   unpacking the same 100 MB, 5-layer image (scripts/bench-image.sh)
#   iproute2: one container's network set-up and teardown (scripts/bench-net.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bench-runc.sh "${RUNS:-30}"
[ -x scripts/bench-image.sh ] && ./scripts/bench-image.sh 5
[ -x scripts/bench-net.sh ] && ./scripts/bench-net.sh
[ -x scripts/bench-pod.sh ] && ./scripts/bench-pod.sh
exit 0
