#!/usr/bin/env bash
# bench-net.sh: one container's network set-up plus teardown, skiff in
# process against the same steps as iproute2 commands, in one run, inside a
# disposable host network namespace (nothing touches the machine's own
# network; `ip netns add` pins its namespaces on a private tmpfs /run).
#
#   skiff:    netns create, Attach (veth into the bridge and the namespace,
#             lo up, address, eth0 up, default route, IPAM lease, nft sync),
#             netns remove, Detach
#   iproute2: ip netns add; ip link add ... type veth peer ... netns; ip -n
#             link set lo up; addr add; link set eth0 up; route add default;
#             ip netns del
#
# The kernel's asynchronous destruction of each namespace is waited for
# outside the timed region on both sides. Goal: ratio <= 0.3.
# Needs root, iproute2, nftables (observer), busybox-static, util-linux.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-net.sh: needs root" >&2; exit 1; }
N=${BENCH_NET_N:-50}
COUNT=${BENCH_NET_COUNT:-3}
out=$(CGO_ENABLED=0 go test -run '^$' -bench 'SetupTeardown' -benchtime "${N}x" -count "$COUNT" ./netns/network)
echo "$out" | grep -E '^Benchmark'
echo "$out" | awk '
  /SetupTeardown\/skiff/    { s += $3; ns++ }
  /SetupTeardown\/iproute2/ { p += $3; np++ }
  END {
    if (ns == 0 || np == 0) { print "bench-net: no results"; exit 1 }
    s /= ns; p /= np
    printf "skiff    %8.2f ms per container (set-up + teardown)\n", s / 1e6
    printf "iproute2 %8.2f ms per container (7 ip commands)\n", p / 1e6
    printf "ratio skiff/iproute2 = %.2f (goal <= 0.30)\n", s / p
  }'
