#!/usr/bin/env bash
# conformance.sh: the OCI runtime validation suite (opencontainers/runtime-tools,
# validation/*) against runc AND skiff in the same run, side by side.
#
# What it does
#   1. builds the suite's programs and runtimetest (static) into
#      .cache/conformance/bin from the pinned module in scripts/conformance/
#      (go.mod/go.sum; fetched through the Go module proxy, cached between
#      runs, never committed). The May 2025 pseudo-version is used on purpose:
#      later ones have a pids-test bug that fails every runtime.
#   2. takes the suite's busybox rootfs (rootfs-amd64.tar.gz from the module;
#      if missing, or with CONFORMANCE_ROOTFS=busybox, one is built from the
#      host's static /bin/busybox).
#   3. runs every validation program against runc and then skiff, alternating,
#      each under a timeout, as root, and cleans up after each run (see below).
#   4. parses the TAP, prints a table per program, the totals, and the tests
#      runc passes but skiff does not.
#
# The bar (issue 3): skiff passes at least as many tests as runc, and no test
# runc passes fails for skiff. Exit status 0 when skiff meets it, 1 otherwise;
# CONFORMANCE_REPORT_ONLY=1 always exits 0 (the report is still printed).
#
# Cgroup safety on hybrid hosts (the rule, the same for runc and skiff)
#   Several programs set linux.cgroupsPath to the absolute "/cgrouptest"
#   (linux_cgroups_{blkio,cpus,devices,hugetlb,memory,network,pids},
#   delete_resources) and two write /sys/fs/cgroup/pids/cgrouptest
#   themselves. Run plainly, both runtimes would create /cgrouptest at the
#   root of every v1 hierarchy and move containers out of the memory cgroup
#   we run in. So the whole suite runs in a sandbox instead of being skipped:
#   a child cgroup "skiff-conformance-PID" below our own cgroup in every
#   hierarchy, entered before unshare(CLONE_NEWCGROUP|CLONE_NEWNS), and the
#   cgroup filesystems are mounted again inside that private mount
#   namespace, so for the runtimes and the validation programs alike the
#   sandbox IS the root: "/cgrouptest" is really
#   <our cgroup>/skiff-conformance-PID/cgrouptest, the programs read back
#   what the runtime wrote at the same place, and nothing leaves our memory
#   cgroup. (The pure cgroup v2 VM lane is no alternative: the suite's
#   cgroup checks only support v1 and fail there for every runtime.) Tests
#   needing a controller this host lacks (hugetlb, net_cls/net_prio) fail
#   for both runtimes alike.
#
# Each run in its own mount, UTS and IPC namespaces
#   linux_ns_itype asks for a container that shares every namespace of the
#   runtime. A runtime that then pivots the root, mounts over the bundle or
#   sets the hostname does it to the host's namespaces when run plainly (a
#   pivot_root there would swap the root of every process of the machine).
#   So each program runs in fresh mount, UTS and IPC namespaces
#   (scripts/conformance/run-one.sh): the damage stays there, and is
#   reported ("the root of the runtime's own mount namespace was changed").
#
# Cleanup after each program and runtime (reported as "leak" lines)
#   each runtime uses its own state directory (a wrapper passes --root, and
#   --log as containerd does), so `list` + `delete --force` reach only this
#   run's containers; leftover processes in the sandbox are killed by pid;
#   cgroups left below the sandbox are removed; mounts left in the run's
#   mount namespace are reported (they die with it). At the end the sandbox
#   cgroups are removed and the real hierarchy roots are checked for names
#   the suite uses (cgrouptest, testdir, container ids).
#
# Scoring
#   Every "ok"/"not ok" line counts (runtimetest's own checks included),
#   "# SKIP" apart. A program that does not exit 0 (util.Fatal, crash,
#   timeout) counts one more failed test; it is retried once first, for both
#   runtimes alike, as a loaded machine makes a few runs flaky.
#   process_capabilities_fail and process_rlimits_fail count one test each:
#   does the runtime refuse the invalid config. The whole run takes ~3-4
#   minutes on the 2-core CI machine (a few programs sleep 10 s on purpose).
#
# Environment (all optional)
#   CONFORMANCE_TESTS        programs to run (default: all, sorted)
#   CONFORMANCE_TIMEOUT      seconds per program and runtime (60)
#   CONFORMANCE_RETRIES      reruns of a program that did not exit 0 (1; the
#                            same for both runtimes, noted in the report)
#   CONFORMANCE_REPORT_ONLY  1: exit 0 whatever the result
#   CONFORMANCE_ROOTFS       busybox: build the rootfs from /bin/busybox
#   CONFORMANCE_CACHE        cache directory (.cache/conformance)
#   RUNC                     runc binary (/usr/sbin/runc, else from PATH)
#   SKIFF_RUNC               skiff's runc entry point (bin/skiff-runc)
# Results stay in $CONFORMANCE_CACHE/run/results: PROGRAM.RUNTIME.{tap,err,rc,time,leaks,log},
# report.txt, skiff-failures.txt, regressions.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

: "${CONFORMANCE_TIMEOUT:=60}" "${CONFORMANCE_RETRIES:=1}" "${CONFORMANCE_REPORT_ONLY:=}" "${CONFORMANCE_ROOTFS:=}"
: "${CONFORMANCE_CACHE:=$repo/.cache/conformance}" "${CONFORMANCE_TESTS:=}"
: "${SKIFF_RUNC:=$repo/bin/skiff-runc}"
export CGO_ENABLED=0

log() { echo "conformance: $*" >&2; }
die() { log "$*"; exit 2; }

case "$CONFORMANCE_TIMEOUT" in '' | *[!0-9]*) die "CONFORMANCE_TIMEOUT=$CONFORMANCE_TIMEOUT: want seconds, e.g. 60" ;; esac
case "$CONFORMANCE_RETRIES" in '' | *[!0-9]*) die "CONFORMANCE_RETRIES=$CONFORMANCE_RETRIES: want a count, e.g. 1" ;; esac
[ "$(id -u)" = 0 ] || die "needs root: the runtimes create namespaces, mounts and cgroups"
if [ -z "${RUNC:-}" ]; then
	if [ -x /usr/sbin/runc ]; then RUNC=/usr/sbin/runc; else RUNC=$(command -v runc || true); fi
fi
[ -n "$RUNC" ] && [ -x "$RUNC" ] || die "runc not found (apt-get install runc, or set RUNC)"
case "$SKIFF_RUNC" in /*) ;; *) SKIFF_RUNC=$repo/$SKIFF_RUNC ;; esac
[ -x "$SKIFF_RUNC" ] || die "$SKIFF_RUNC missing: run make build"
for t in go unshare timeout flock tar; do command -v "$t" >/dev/null || die "$t not found"; done

mkdir -p "$CONFORMANCE_CACHE"
exec 9>"$CONFORMANCE_CACHE/lock"
flock -n 9 || die "another conformance run holds $CONFORMANCE_CACHE/lock"

build=$CONFORMANCE_CACHE/build bin=$CONFORMANCE_CACHE/bin
work=$CONFORMANCE_CACHE/run results=$CONFORMANCE_CACHE/run/results

# build_suite builds runtimetest and every validation program, unless the
# binaries of the same go.mod/go.sum and Go version are already there.
build_suite() {
	local stamp
	stamp="$(cat scripts/conformance/go.mod scripts/conformance/go.sum; go version)"
	if [ -f "$bin/.stamp" ] && [ "$(cat "$bin/.stamp")" = "$stamp" ] && [ -x "$bin/runtimetest" ]; then
		return
	fi
	log "building the validation suite into $bin"
	rm -rf "$build" "$bin"
	mkdir -p "$build" "$bin"
	cp scripts/conformance/go.mod scripts/conformance/go.sum "$build/"
	(cd "$build" && GOFLAGS=-mod=mod go build -trimpath -tags 'netgo osusergo' -o "$bin/" \
		github.com/opencontainers/runtime-tools/cmd/runtimetest \
		github.com/opencontainers/runtime-tools/validation/...)
	echo "$stamp" >"$bin/.stamp"
}

# suite_dir prints where the module sits in the module cache.
suite_dir() {
	(cd "$build" && GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' github.com/opencontainers/runtime-tools)
}

# busybox_rootfs writes a rootfs tarball like the suite's: busybox with
# every applet linked in /bin, /etc/passwd and /etc/group, empty /proc
# /sys /dev.
busybox_rootfs() {
	local out=$1 dir a
	[ -x /bin/busybox ] || die "/bin/busybox missing (apt-get install busybox-static)"
	dir=$(mktemp -d "$CONFORMANCE_CACHE/rootfs.XXXXXX")
	# The tarball's "./" sets the bundle's mode: non-root tests need 0755.
	chmod 0755 "$dir"
	mkdir -p "$dir"/{bin,etc,proc,sys,dev}
	cp /bin/busybox "$dir/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$dir/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
	tar -C "$dir" --owner=0 --group=0 -czf "$out" .
	rm -rf "$dir"
}

# write_wrapper NAME COMMAND writes $work/rt/NAME, what the programs run as
# RUNTIME: COMMAND with its own state directory (so listing and
# force-deleting reach only this run's containers) and --log to the file
# run-one.sh names for the run (as containerd passes it). Before a delete it
# keeps the container's stderr (runtimetest's, or an init error the runtime
# printed there), which the programs remove with the bundle.
write_wrapper() {
	cat >"$work/rt/$1" <<EOF
#!/bin/sh
if [ "\$1" = delete ] && [ -n "\${CONFORMANCE_STDIO:-}" ]; then
	for id; do :; done
	bundle=\$($2 --log /dev/null state "\$id" 2>/dev/null | sed -n 's/.*"bundle": *"\([^"]*\)".*/\1/p')
	[ -n "\$bundle" ] && cat "\$bundle"/stderr-* >>"\$CONFORMANCE_STDIO" 2>/dev/null
fi
exec $2 --log "\${CONFORMANCE_RUNTIME_LOG:-/dev/null}" --log-format text "\$@"
EOF
	chmod +x "$work/rt/$1"
}

prepare_work() {
	local src
	rm -rf "$work"
	mkdir -p "$work/cwd" "$work/tmp" "$work/state" "$work/rt" "$results"
	cp "$bin/runtimetest" "$work/cwd/"
	src="$(suite_dir)/rootfs-amd64.tar.gz"
	if [ "$CONFORMANCE_ROOTFS" = busybox ] || [ ! -f "$src" ]; then
		log "building the rootfs from /bin/busybox"
		busybox_rootfs "$work/cwd/rootfs-amd64.tar.gz"
	else
		cp "$src" "$work/cwd/"
	fi
	write_wrapper runc "$RUNC --root $work/state/runc"
	# skiff is copied: bin/skiff may be rebuilt while the suite runs.
	mkdir -p "$work/skiff"
	cp "$(readlink -f "$SKIFF_RUNC")" "$work/skiff/skiff-runc"
	write_wrapper skiff "$work/skiff/skiff-runc --root $work/state/skiff --data-dir $work/state/skiff-data"
}

# hierarchies prints "MOUNTPOINT OURDIR OPTIONS TYPE" for every cgroup
# hierarchy: OURDIR is the directory of the cgroup we are in there.
hierarchies() {
	awk '
	FNR == NR { i = index($0, ":"); r = substr($0, i + 1); j = index(r, ":")
		own[substr(r, 1, j - 1)] = substr(r, j + 1); next }
	{
		for (s = 7; s <= NF && $s != "-"; s++) ;
		type = $(s + 1); opts = $(s + 3)
		if (type != "cgroup" && type != "cgroup2") next
		key = ""
		if (type == "cgroup") {
			n = split(opts, o, ",")
			for (k = 1; k <= n; k++)
				if (o[k] !~ /^(rw|ro|clone_children|xattr|noprefix|cpuset_v2_mode|release_agent=.*)$/)
					key = key (key == "" ? "" : ",") o[k]
		}
		if (!(key in own)) next
		p = own[key]; root = $4
		if (root != "/" && index(p, root) == 1) p = substr(p, length(root) + 1)
		print $5, $5 p, opts, type
	}' /proc/self/cgroup /proc/self/mountinfo
}

sandbox=skiff-conformance-$$

# make_sandbox creates the sandbox cgroup below ours in every hierarchy,
# after removing the empty sandboxes of runs that were killed.
make_sandbox() {
	local own type d old
	while read -r _ own _ type; do
		for old in "${own%/}"/skiff-conformance-*; do
			[ -d "$old" ] && ! kill -0 "${old##*-}" 2>/dev/null && rmdir "$old" 2>/dev/null || true
		done
		d=${own%/}/$sandbox
		mkdir "$d"
		if [ -f "$d/cpuset.cpus" ]; then
			cat "${own%/}/cpuset.cpus" >"$d/cpuset.cpus"
			cat "${own%/}/cpuset.mems" >"$d/cpuset.mems"
		fi
		if [ "$type" = cgroup2 ] && [ -f "${own%/}/cgroup.subtree_control" ]; then
			# Best effort: hand our controllers down (fails when our own
			# cgroup holds processes; the suite's cgroup checks are v1 only).
			for c in $(cat "${own%/}/cgroup.subtree_control"); do
				echo "+$c" >"$d/cgroup.subtree_control" 2>/dev/null || true
			done
		fi
	done < <(hierarchies)
}

# remove_sandbox kills what is left in the sandbox (processes we started:
# containers and runtimes) and removes its cgroups, deepest first.
remove_sandbox() {
	local own d pid
	while read -r _ own _; do
		d=${own%/}/$sandbox
		[ -d "$d" ] || continue
		for _ in 1 2 3 4 5; do
			while read -r pid; do
				[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
			done < <(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
			[ -d "$d" ] || break
			sleep 0.5
		done
		[ -d "$d" ] && log "leak: cgroup $d could not be removed"
	done < <(hierarchies)
	return 0
}

# root_names lists names at the roots of the real hierarchies that the suite
# uses (cgrouptest, testdir, uuid container ids).
root_names() {
	local mnt
	while read -r mnt _; do
		find "$mnt" -mindepth 1 -maxdepth 1 -type d \( -name cgrouptest -o -name testdir \
			-o -regex '.*/[0-9a-f]\{8\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{12\}' \) 2>/dev/null
	done < <(hierarchies) | sort
}

# list_programs sets progs to the validation programs to run.
list_programs() {
	local p all=()
	for p in "$bin"/*; do
		[ "${p##*/}" = runtimetest ] || all+=("${p##*/}")
	done
	if [ -z "$CONFORMANCE_TESTS" ]; then
		progs=("${all[@]}")
		return
	fi
	progs=()
	for p in $CONFORMANCE_TESTS; do
		[ -x "$bin/$p" ] || die "CONFORMANCE_TESTS: no validation program $p (the programs: ${all[*]})"
		progs+=("$p")
	done
}

main() {
	local before after started status
	started=$(date +%s)
	build_suite
	list_programs
	prepare_work
	before=$(root_names)
	trap remove_sandbox EXIT
	make_sandbox
	log "runc: $("$RUNC" --version | head -1); skiff: $SKIFF_RUNC (built $(date -u -r "$(readlink -f "$SKIFF_RUNC")" +%FT%TZ), tree at $(git log -1 --format=%h 2>/dev/null || echo ?)); sandbox: $sandbox; timeout ${CONFORMANCE_TIMEOUT}s"
	# The subshell enters the sandbox, then new cgroup and mount namespaces.
	(
		while read -r _ own _; do
			echo "$BASHPID" >"${own%/}/$sandbox/cgroup.procs"
		done < <(hierarchies)
		exec unshare --cgroup --mount --propagation private \
			"$repo/scripts/conformance/inner.sh" "$work" "$bin" "$CONFORMANCE_TIMEOUT" "$CONFORMANCE_RETRIES" "${progs[@]}"
	) || log "inner run exited $?"
	remove_sandbox
	trap - EXIT
	after=$(root_names)
	comm -13 <(echo "$before") <(echo "$after") | sed 's/^/conformance: leak at a hierarchy root: /' >&2
	status=0
	"$repo/scripts/conformance/report.sh" "$results" "${progs[@]}" | tee "$results/report.txt" || status=$?
	log "took $(($(date +%s) - started))s; results in $results"
	if [ "$CONFORMANCE_REPORT_ONLY" = 1 ]; then return 0; fi
	return "$status"
}

main
