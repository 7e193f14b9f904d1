#!/usr/bin/env bash
# run-one.sh OUT TIMEOUT PROGRAM RUNTIME WORK: one validation program against
# one runtime. inner.sh starts it in fresh mount, UTS and IPC namespaces: a
# test such as linux_ns_itype asks for a container that shares every
# namespace of the runtime, and a runtime that then pivots the root, mounts
# or sets the hostname does it to this disposable namespace, not to the
# harness (or, without the sandbox, the host). Writes the exit status to
# OUT.rc and what the run left in its mount namespace to OUT.nsleaks, with
# shell builtins only (after a pivot_root no other program may be found).
set -u
out=$1 timeout=$2 prog=$3 runtime=$4 work=$5
exec 3>"$out.rc" 4>"$out.nsleaks"

# mountpoints NAME fills the associative array NAME: mountpoint -> mount id.
mountpoints() {
	local -n m=$1
	local line
	local -a f
	m=()
	while read -r line; do
		read -ra f <<<"$line"
		m[${f[4]}]=${f[0]}
	done </proc/self/mountinfo
}

declare -A before=() after=()
mountpoints before
cd "$work/cwd" || exit 1
RUNTIME=$runtime TMPDIR=$work/tmp CONFORMANCE_RUNTIME_LOG=$out.log CONFORMANCE_STDIO=$out.stdio timeout -k 5 "$timeout" "$prog" </dev/null
echo "$?" >&3

if ! mountpoints after 2>/dev/null || [ ${#after[@]} -eq 0 ]; then
	echo "the run's mount namespace lost /proc/self/mountinfo: its root was changed (pivot_root in a mount namespace the container does not own?)" >&4
	exit 0
fi
if [ "${before[/]:-}" != "${after[/]:-}" ]; then
	echo "the root of the runtime's own mount namespace was changed (pivot_root in a mount namespace the container does not own?)" >&4
	exit 0
fi
for m in "${!after[@]}"; do
	[ "${before[$m]:-}" = "${after[$m]}" ] || echo "mount $m left in the runtime's mount namespace" >&4
done
exit 0
