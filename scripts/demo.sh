#!/usr/bin/env bash
# demo.sh: what `make demo` shows: a container is a process in new
# namespaces, with its own pid 1, hostname, mount table and network, on an
# overlay of the busybox image; then limits and a published port.
# Everything it makes is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
S="$PWD/bin/skiff"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "skiff doctor: is this host ready?"
"$S" doctor || true

step "the busybox image, built offline from the host's /bin/busybox"
"$S" image import --busybox >/dev/null
"$S" images

step "a container is a process: its own pid 1, hostname, processes, mounts, network"
"$S" run --rm --hostname demo --network none busybox sh -c '
  echo "my pid:      $$"
  echo "my hostname: $(hostname)"
  echo "processes I can see:"; ps
  echo "my mount table (first lines):"; head -n 6 /proc/mounts
  echo "my network interfaces (a new, empty network namespace):"; ip addr'

step "the same container seen from the host: an ordinary process, in other namespaces"
"$S" run -d --name demo-sleeper --network none busybox sleep 30 >/dev/null
pid=$("$S" state demo-sleeper | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
echo "host pid $pid: $(tr '\0' ' ' </proc/$pid/cmdline)"
for ns in pid uts mnt net; do printf '  %-4s host %s   container %s\n' $ns "$(readlink /proc/self/ns/$ns)" "$(readlink /proc/$pid/ns/$ns)"; done
"$S" rm -f demo-sleeper >/dev/null

step "limits: 32 MiB of memory, and a program that wants more is OOM-killed (exit 137)"
set +e
"$S" run --rm --network none --memory 32m busybox sh -c 'echo filling memory...; x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived'
echo "exit status: $?"
set -e

step "networking, in a throwaway network namespace that plays the host"
host=skiff-demo-$$
cleanup() { nsenter --net=/run/netns/$host "$S" rm -f demo-web >/dev/null 2>&1 || true; ip netns del $host 2>/dev/null || true; }
trap cleanup EXIT
ip netns add $host
ip netns exec $host ip link set lo up
N="nsenter --net=/run/netns/$host"
$N "$S" run -d --name demo-web -p 8080:80 busybox httpd -f -p 80 -h /etc >/dev/null
sleep 0.3
echo "host -> 127.0.0.1:8080 -> container port 80: $($N busybox wget -q -O - http://127.0.0.1:8080/hostname)"
echo "another container -> http://demo-web/: $($N "$S" run --rm busybox wget -q -O - http://demo-web/hostname)"
"$S" ps
echo
echo "Now try: sudo bin/skiff run -it --rm busybox sh      (and the labs: README.md)"
