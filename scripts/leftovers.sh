#!/usr/bin/env bash
# leftovers.sh: fail if a run or test left skiff mounts or state behind.
set -uo pipefail
bad=0
if grep -E 'skiff' /proc/mounts; then echo "leftover mounts (above)"; bad=1; fi
for d in /sys/fs/cgroup/*/skiff-test* /sys/fs/cgroup/unified/skiff-test*; do
  if [ -e "$d" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ]; then echo "leftover: $d: $(ls -A "$d" | head -5 | tr '\n' ' ')"; bad=1; fi
done
exit $bad
