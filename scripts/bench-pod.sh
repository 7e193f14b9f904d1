#!/usr/bin/env bash
# bench-pod.sh: skiff pods against podman pods, paired in one run, with the
# same busybox image (skiff's, built from the host's busybox, loaded into a
# temporary podman store).
#
#   sandbox       skiff RunPodSandbox (pause process, netns, bridge + veth,
#                 IP, hosts files, pod cgroup; Go API)
#                 vs podman pod create + podman pod start (infra container)
#   pod (CLI)     skiff pod run -d (sandbox + a sleep container, monitor)
#                 vs podman pod create + pod start + run -d --pod (sleep)
#   true          a `true` container run and removed in an existing pod:
#                 skiff CreateContainer+StartContainer+wait+RemoveContainer
#                 (Go API) vs podman run --rm --pod
#
# Networking: both sides use a bridge (skiff0 / podman's default netavark
# bridge) but the whole benchmark runs in a disposable network namespace
# (unshare --net), so neither podman's nor skiff's bridge, veths or
# firewall rules touch the machine's own network namespace.
# cgroups: on v1/hybrid hosts both sides nest their cgroups below this
# script's own cgroup (podman: --cgroup-parent <own memory cgroup>/...,
# conmon left in place with cgroups = "no-conmon"), and remove them after.
# podman runs with runc (crun refuses hybrid hosts) and cgroupfs.
# Needs root, podman (Debian), runc, busybox-static, go.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-pod.sh: needs root" >&2; exit 1; }
N=${BENCH_POD_N:-10}

if [ "${1:-}" != inner ]; then
	command -v podman >/dev/null || { echo "bench-pod.sh: needs podman (apt-get install podman)" >&2; exit 1; }
	tmp=$(mktemp -d /tmp/bench-pod.XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	CGO_ENABLED=0 go build -o "$tmp/skiff" ./cmd/skiff
	echo "== Go API (skiff in process, its own disposable host namespace)"
	api=$(CGO_ENABLED=0 go test -run '^$' -bench 'Sandbox|TrueContainerInPod' -benchtime "${N}x" ./runtime/pod)
	echo "$api" | grep -E '^Benchmark'
	echo "$api" >"$tmp/api.txt"
	BENCH_TMP=$tmp unshare --net "$0" inner
	exit
fi

tmp=$BENCH_TMP
ip link set lo up
now() { date +%s%N; }
ms() { awk -v a="$1" -v n="$2" 'BEGIN { printf "%.1f", a / n / 1e6 }'; }

# cgroup parents below our own cgroup on v1/hybrid hosts.
own_mem=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
skiff_cg="" podman_cg=""
if [ -n "$own_mem" ]; then
	skiff_cg="--cgroup-parent skiff-bench-$$"
	podman_cg="--cgroup-parent ${own_mem%/}/podman-bench-$$"
fi

S="$tmp/skiff --root $tmp/run --data-dir $tmp/data"
export CONTAINERS_CONF=$tmp/containers.conf
cat >"$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
cgroups = "no-conmon"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "none"
CONF
P="podman --root $tmp/podman/root --runroot $tmp/podman/runroot"

cleanup() {
	set +e
	for i in $(seq 1 "$N"); do $S pod rm -f "b$i" >/dev/null 2>&1; done
	$P pod rm -af -t 0 >/dev/null 2>&1
	$P system reset -f >/dev/null 2>&1
	for d in /sys/fs/cgroup/*/"skiff-bench-$$" /sys/fs/cgroup/*"${own_mem%/}/skiff-bench-$$" \
		/sys/fs/cgroup/*"${own_mem%/}/podman-bench-$$" /sys/fs/cgroup/*/podman-bench-$$; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	$S network prune >/dev/null 2>&1
	return 0
}
trap cleanup EXIT

$S image import --busybox >/dev/null
$S image export --format docker-archive busybox "$tmp/busybox.tar"
$P load -q -i "$tmp/busybox.tar" >/dev/null
img=docker.io/library/busybox:latest

cat >"$tmp/pod.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: NAME}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - {name: sleep, image: busybox, command: [sleep, "3600"]}
YAML

# warm up both (image unpacked, bridges made)
sed "s/NAME/warm/" "$tmp/pod.yaml" | $S pod $skiff_cg run -d -f - >/dev/null
$S pod rm -f warm >/dev/null
$P pod create $podman_cg --name warm >/dev/null && $P pod start warm >/dev/null && $P pod rm -f -t 0 warm >/dev/null

sandbox=0 cli_s=0 cli_p=0 true_p=0
for i in $(seq 1 "$N"); do
	sed "s/NAME/b$i/" "$tmp/pod.yaml" >"$tmp/b$i.yaml"
	t0=$(now)
	$S pod $skiff_cg run -d -f "$tmp/b$i.yaml" >/dev/null
	t1=$(now)
	$S pod rm -f "b$i" >/dev/null
	cli_s=$((cli_s + t1 - t0))

	t0=$(now)
	$P pod create $podman_cg --name "p$i" >/dev/null
	$P pod start "p$i" >/dev/null
	t1=$(now)
	$P run -d --pod "p$i" $img sleep 3600 >/dev/null
	t2=$(now)
	$P run --rm --pod "p$i" $img true
	t3=$(now)
	$P pod rm -f -t 0 "p$i" >/dev/null
	sandbox=$((sandbox + t1 - t0))
	cli_p=$((cli_p + t2 - t0))
	true_p=$((true_p + t3 - t2))
done

api_sandbox=$(awk '/^BenchmarkSandbox/ { print $3 }' "$tmp/api.txt")
api_true=$(awk '/^BenchmarkTrueContainerInPod/ { print $3 }' "$tmp/api.txt")
echo "== $N rounds each, bridge networks in a disposable netns"
printf "sandbox:  skiff %7.1f ms (API)   podman pod create+start     %7.1f ms   ratio %.2f\n" \
	"$(ms "$api_sandbox" 1)" "$(ms $sandbox "$N")" "$(awk -v a="$api_sandbox" -v b=$sandbox -v n="$N" 'BEGIN { print a / (b / n) }')"
printf "pod, CLI: skiff %7.1f ms (pod run -d)  podman create+start+run -d %7.1f ms   ratio %.2f\n" \
	"$(ms $cli_s "$N")" "$(ms $cli_p "$N")" "$(awk -v a=$cli_s -v b=$cli_p 'BEGIN { print a / b }')"
printf "true:     skiff %7.1f ms (API)   podman run --rm --pod       %7.1f ms   ratio %.2f\n" \
	"$(ms "$api_true" 1)" "$(ms $true_p "$N")" "$(awk -v a="$api_true" -v b=$true_p -v n="$N" 'BEGIN { print a / (b / n) }')"
echo "(ratio = skiff / podman; the API rows leave out skiff's CLI start-up, podman's rows include its CLI)"
