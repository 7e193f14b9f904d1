#!/usr/bin/env bash
# bench-runc.sh [RUNS]: `runc run` and skiff's runc-compatible `run` on the
# same busybox bundle (args: true, terminal false), alternating which goes
# first, N times; prints both medians and the median of the paired ratios
# skiff/runc. Also the create phase alone (create, without start) and the
# peak RSS of each create.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
command -v runc >/dev/null || { echo "bench-runc: runc not installed (apt-get install runc)"; exit 1; }
work=$(mktemp -d /tmp/skiff-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
go run ./internal/testutil/cmd/mkbusybox "$work/bundle/rootfs"
bin/skiff spec --bundle "$work/bundle"
# Terminal off, args true. No cgroupsPath: both runtimes then put each
# container's cgroup below their own (runc: <own>/<id>, skiff:
# <own>/skiff/<id> on v1/hybrid hosts), never outside this script's memory
# cgroup.
sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"sh"$/"true"/' "$work/bundle/config.json"
sed -i 's/"hostname": "skiff"/"hostname": "bench"/' "$work/bundle/config.json"
now() { date +%s%N; }
one() { # runtime, state dir, subcommand...
  local rt=$1 st=$2; shift 2
  local t0; t0=$(now)
  "$rt" --root "$st" "$@" >/dev/null
  echo $(( $(now) - t0 ))
}
runc_bin=$(command -v runc)
skiff_bin="$PWD/bin/skiff-runc"
declare -a rr sr rc sc
for i in $(seq 1 "$runs"); do
  if (( i % 2 )); then
    rr+=("$(one "$runc_bin" "$work/state-runc" run --bundle "$work/bundle" b$i)")
    sr+=("$(one "$skiff_bin" "$work/state-skiff" run --bundle "$work/bundle" b$i)")
  else
    sr+=("$(one "$skiff_bin" "$work/state-skiff" run --bundle "$work/bundle" b$i)")
    rr+=("$(one "$runc_bin" "$work/state-runc" run --bundle "$work/bundle" b$i)")
  fi
  rc+=("$(one "$runc_bin" "$work/state-runc" create --bundle "$work/bundle" c$i)")
  sc+=("$(one "$skiff_bin" "$work/state-skiff" create --bundle "$work/bundle" c$i)")
  "$runc_bin" --root "$work/state-runc" delete -f c$i; "$skiff_bin" --root "$work/state-skiff" delete -f c$i
done
python3 - "${rr[*]}" "${sr[*]}" "${rc[*]}" "${sc[*]}" <<'PY'
import statistics, sys
rr, sr, rc, sc = ([int(x) for x in a.split()] for a in sys.argv[1:5])
ms = lambda v: statistics.median(v) / 1e6
print(f"run    (args true): runc {ms(rr):6.2f} ms  skiff {ms(sr):6.2f} ms  median paired ratio {statistics.median(s/r for s, r in zip(sr, rr)):.2f}x")
print(f"create (no start):  runc {ms(rc):6.2f} ms  skiff {ms(sc):6.2f} ms  median paired ratio {statistics.median(s/r for s, r in zip(sc, rc)):.2f}x")
PY
# The created container's init inherits create's stdio: keep it off any
# pipe (a pipe would never reach EOF), and read time's report from a file.
rss() { /usr/bin/time -o "$work/rss" -f %M "$@" >/dev/null 2>&1; cat "$work/rss"; }
if [ -x /usr/bin/time ]; then
  r=$(rss "$runc_bin" --root "$work/state-runc" create --bundle "$work/bundle" rss); "$runc_bin" --root "$work/state-runc" delete -f rss
  s=$(rss "$skiff_bin" --root "$work/state-skiff" create --bundle "$work/bundle" rss); "$skiff_bin" --root "$work/state-skiff" delete -f rss
  echo "create peak RSS:    runc ${r} KiB  skiff ${s} KiB"
fi
