#!/usr/bin/env bash
# inner.sh WORK BIN TIMEOUT RETRIES PROGRAM...: the part of scripts/conformance.sh that
# runs inside the sandbox: in the sandbox cgroup of every hierarchy, in new
# cgroup and mount namespaces (see conformance.sh's header for why). It
# mounts the cgroup filesystems again, so the sandbox is their root, then runs
# each validation program against runc and skiff in turn and cleans up after
# each run. Not meant to be run by hand.
set -uo pipefail
shopt -s globstar nullglob
work=$1 bin=$2 timeout=$3 retries=$4
shift 4
results=$work/results
here=$(cd "$(dirname "$0")" && pwd)

log() { echo "conformance: $*" >&2; }

# remount_cgroups mounts every cgroup hierarchy again at its place: mounted
# from inside a cgroup namespace, its root is our (sandbox) cgroup.
remount_cgroups() {
	local line mnt type opts rest
	local -a f
	while read -r line; do
		read -ra f <<<"$line"
		mnt=${f[4]}
		rest=${line#* - }
		read -r type _ opts <<<"$rest"
		case "$type" in cgroup | cgroup2) ;; *) continue ;; esac
		umount "$mnt" && mount -t "$type" -o "$opts" "$type" "$mnt" || {
			log "remount $mnt: failed; stopping before any test runs"
			exit 1
		}
	done < <(grep -E ' - cgroup2? ' /proc/self/mountinfo)
}

# cgroup_roots prints the mountpoint of every cgroup hierarchy.
cgroup_roots() {
	awk '{ for (s = 7; $s != "-"; s++) ; if ($(s + 1) ~ /^cgroup2?$/) print $5 }' /proc/self/mountinfo
}

mapfile -t roots < <(cgroup_roots)

# leak records what a run left behind, for the report.
leak() { echo "$*" >>"$leaks"; log "leak ($prog, $rt): $*"; }

# sweep_processes kills, by pid, every process left in the sandbox but us.
# Builtins only: a forked helper would show up in cgroup.procs itself.
sweep_processes() {
	local f pid comm pass killed
	[ ${#roots[@]} -gt 0 ] || return 0
	for pass in 1 2 3 4 5; do
		killed=0
		for f in "${roots[0]}"/**/cgroup.procs; do
			while read -r pid; do
				[ "$pid" = "$$" ] && continue
				comm="?"
				read -r comm <"/proc/$pid/comm" 2>/dev/null
				[ "$pass" = 1 ] && leak "process $pid ($comm) still running in ${f#"${roots[0]}"}; killed"
				kill -KILL "$pid" 2>/dev/null
				killed=1
			done <"$f"
		done
		[ "$killed" = 0 ] && return 0
		sleep 0.2
	done
}

# sweep_cgroups removes the cgroups a run left below the sandbox.
sweep_cgroups() {
	local r d rel
	local -A seen=()
	for r in "${roots[@]}"; do
		for d in "$r"/**/; do
			d=${d%/}
			[ "$d" = "$r" ] && continue
			rel=${d#"$r"}
			seen[$rel]+="${seen[$rel]:+,}${r##*/}"
		done
		# deepest first
		find "$r" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
	done
	for rel in "${!seen[@]}"; do
		leak "cgroup $rel left (in ${seen[$rel]})"
	done
}

# sweep_containers force-deletes what is still in the runtime's state dir.
sweep_containers() {
	local id
	for id in $("$work/rt/$rt" list -q 2>/dev/null); do
		leak "container $id left in state; delete --force"
		"$work/rt/$rt" delete --force "$id" >/dev/null 2>&1 ||
			leak "container $id: delete --force failed"
	done
}

mounts_before=$(awk '{print $5}' /proc/self/mountinfo | sort -u)

# sweep_mounts detaches mounts that appeared during the run.
sweep_mounts() {
	local m
	while read -r m; do
		[ -n "$m" ] || continue
		leak "mount $m left; detached"
		umount -l "$m" 2>/dev/null
	done < <(comm -13 <(echo "$mounts_before") <(awk '{print $5}' /proc/self/mountinfo | sort -u) | sort -r)
}

sweep_files() {
	local f
	for f in "$work"/tmp/*; do
		rm -rf "$f" 2>/dev/null || leak "bundle $f cannot be removed"
	done
}

# attempt runs the program once in fresh mount, UTS and IPC namespaces, then
# cleans up after it.
attempt() {
	local start m
	: >"$leaks"
	: >"$out.log"
	: >"$out.stdio"
	start=$EPOCHREALTIME
	unshare --mount --uts --ipc --propagation private \
		"$here/run-one.sh" "$out" "$timeout" "$bin/$prog" "$work/rt/$rt" "$work" \
		>"$out.tap" 2>"$out.err" </dev/null
	[ -s "$out.rc" ] || echo "run-one: no status" >"$out.rc"
	awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }' >"$out.time"
	while read -r m; do leak "$m"; done <"$out.nsleaks"
	sweep_containers
	sweep_processes
	sweep_cgroups
	sweep_mounts
	sweep_files
}

# run_one runs PROGRAM against RUNTIME; a run that does not exit 0 is
# retried up to RETRIES times (both runtimes alike; the report notes it),
# since a loaded machine makes some runs flaky. The last attempt counts.
run_one() {
	local first n=0 note=""
	out=$results/$prog.$rt
	leaks=$out.leaks
	rm -f "$out.retried"
	attempt
	first=$(cat "$out.rc")
	while [ "$(cat "$out.rc")" != 0 ] && [ "$n" -lt "$retries" ]; do
		attempt
		n=$((n + 1))
	done
	if [ "$n" -gt 0 ]; then
		echo "$first" >"$out.retried"
		note=" (retried $n, first exit $first)"
	fi
	log "$(printf '%-36s %-5s exit %-3s %5ss%s' "$prog" "$rt" "$(cat "$out.rc")" "$(cat "$out.time")" "$note")"
}

remount_cgroups
for prog in "$@"; do
	for rt in runc skiff; do
		run_one
	done
done
