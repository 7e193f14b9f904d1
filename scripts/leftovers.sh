#!/usr/bin/env bash
# leftovers.sh: fail if a run or test left skiff mounts or state behind.
set -uo pipefail
bad=0
if grep -E 'skiff' /proc/mounts; then echo "leftover mounts (above)"; bad=1; fi
for d in /sys/fs/cgroup/*/skiff-test* /sys/fs/cgroup/unified/skiff-test*; do
  if [ -e "$d" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ]; then echo "leftover: $d: $(ls -A "$d" | head -5 | tr '\n' ' ')"; bad=1; fi
done
# Directories a test run created where only a user's skiff should write.
[ -z "${SKIFF_HAD_run:-}" ] && [ -e /run/skiff ] && { echo "leftover: /run/skiff (a test used the real runtime root)"; bad=1; }
[ -z "${SKIFF_HAD_lib:-}" ] && [ -e /var/lib/skiff ] && { echo "leftover: /var/lib/skiff (a test used the real data dir)"; bad=1; }
exit $bad
