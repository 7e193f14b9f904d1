#!/usr/bin/env bash
# test-vm.sh: the pure cgroup v2 lane. The development and CI machines have
# hybrid cgroups; learners mostly have pure cgroup v2. This script boots
# Debian's own kernel under qemu (TCG, no network, no disk) with a busybox
# initramfs that mounts cgroup2 at /sys/fs/cgroup, and runs the test binaries
# of cgroups/..., runtime/... and internal/vmtest as root inside it.
#
# Environment (all optional):
#   VM_PKGS            packages to test (default: every package with tests
#                      under ./cgroups/... ./runtime/... plus ./internal/vmtest)
#   VM_TIMEOUT         whole run, seconds, qemu is killed after it (600)
#   VM_TEST_TIMEOUT    -test.timeout of each binary (5m); a binary still
#                      running VM_KILL_GRACE (60) seconds later is killed
#   VM_TEST_VERBOSE    -test.v of each binary (false)
#   VM_TEST_FLAGS      more flags for each binary, e.g. "-test.run TestOOM"
#   VM_CGROUP_LAYOUT   where each binary runs, one pass per word ("systemd root"):
#                      systemd = a leaf service below system.slice (memory and
#                      pids delegated, like a systemd host), root = the root
#                      cgroup (every controller available)
#   VM_MEM, VM_SMP     guest memory (MiB) and CPUs (2048, 2)
#   VM_MODULES         kernel modules to load (dependencies are added)
#   VM_KERNEL_PKG      kernel package (default: what linux-image-amd64 needs)
#   SKIFF_VM_CACHE     kernel cache directory (.cache/vm)
#   VM_KEEP=1          keep the work directory (initramfs, console log)
# The kernel package is downloaded once (apt-get download, never installed)
# and unpacked into the cache; later runs need no network.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

: "${VM_TIMEOUT:=600}" "${VM_TEST_TIMEOUT:=5m}" "${VM_TEST_VERBOSE:=false}"
: "${VM_TEST_FLAGS:=}" "${VM_CGROUP_LAYOUT:=systemd root}" "${VM_MEM:=2048}" "${VM_SMP:=2}"
: "${VM_MODULES:=overlay veth bridge dummy nf_tables nft_chain_nat nft_masq nft_nat nft_ct nft_redir nft_fib_inet nft_reject_inet}"
: "${SKIFF_VM_CACHE:=$repo/.cache/vm}"
export CGO_ENABLED=0

log() { echo "test-vm: $*" >&2; }
die() { log "$*"; exit 1; }

for l in $VM_CGROUP_LAYOUT; do
	case "$l" in systemd | root) ;; *) die "VM_CGROUP_LAYOUT=$VM_CGROUP_LAYOUT: want systemd, root or both" ;; esac
done
case "$VM_TIMEOUT" in '' | *[!0-9]*) die "VM_TIMEOUT=$VM_TIMEOUT: want seconds, e.g. 600" ;; esac
[[ "$VM_TEST_TIMEOUT" =~ ^[0-9]+[smh]$ ]] || die "VM_TEST_TIMEOUT=$VM_TEST_TIMEOUT: want a number and s, m or h, e.g. 5m"
[[ "${VM_KILL_GRACE:=60}" =~ ^[0-9]+$ ]] || die "VM_KILL_GRACE=$VM_KILL_GRACE: want seconds, e.g. 60"

# ensure_tools installs what is missing: qemu, static busybox, xz, and kmod
# for depmod (Debian's kernel package ships no modules.dep: the package's
# postinst makes it).
ensure_tools() {
	[ "$(id -u)" = 0 ] || die "needs root (apt-get, and the kernel cache)"
	./scripts/apt-ensure.sh qemu-system-x86 busybox-static xz-utils kmod
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing after apt"
}

# kernel_pkg prints the kernel image package linux-image-amd64 depends on,
# refreshing the apt lists once if apt does not know the metapackage.
kernel_pkg() {
	if [ -n "${VM_KERNEL_PKG:-}" ]; then echo "$VM_KERNEL_PKG"; return; fi
	local dep
	dep=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
	if [ -z "$dep" ]; then
		apt-get update -qq >&2
		dep=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
	fi
	[ -n "$dep" ] || die "apt-cache depends linux-image-amd64: no linux-image- dependency"
	echo "$dep"
}

# prune_kernel drops the modules a network-less, disk-less VM has no use
# for (sound, GPUs, NICs, USB ...: 300 of the 390 MB), before depmod.
prune_kernel() {
	local k
	k=$(echo "$1"/lib/modules/*/kernel)
	rm -rf "$k/sound" "$k"/drivers/{gpu,media,net/wireless,net/ethernet,scsi,usb,infiniband,staging,bluetooth,iio,input,hid,platform,mtd,comedi,isdn}
}

# fetch_kernel sets KDIR to an unpacked kernel package in the cache. A cached
# package is used as is; when the current one cannot be downloaded (offline)
# the newest cached one is used instead.
fetch_kernel() {
	local pkg ver dir deb
	pkg=$(kernel_pkg)
	ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2}')
	dir=$SKIFF_VM_CACHE/${pkg}_${ver}
	mkdir -p "$SKIFF_VM_CACHE"
	if [ ! -e "$dir/.unpacked" ]; then
		log "downloading $pkg $ver (once; cached in $SKIFF_VM_CACHE)"
		rm -rf "$SKIFF_VM_CACHE/dl" "$dir" && mkdir -p "$SKIFF_VM_CACHE/dl"
		if (cd "$SKIFF_VM_CACHE/dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2); then
			deb=$(ls "$SKIFF_VM_CACHE"/dl/*.deb)
			dpkg-deb -x "$deb" "$dir.tmp"
			prune_kernel "$dir.tmp"
			depmod -b "$dir.tmp" "$(ls "$dir.tmp/lib/modules")"
			mv "$dir.tmp" "$dir" && touch "$dir/.unpacked"
			rm -rf "$SKIFF_VM_CACHE/dl"
		else
			rm -rf "$SKIFF_VM_CACHE/dl"
			dir=$(ls -d "$SKIFF_VM_CACHE"/*/.unpacked 2>/dev/null | sort -V | tail -1)
			[ -n "$dir" ] || die "apt-get download $pkg failed and nothing is cached"
			dir=${dir%/.unpacked}
			log "download failed; using cached $(basename "$dir")"
		fi
	fi
	KDIR=$dir
	KVER=$(ls "$KDIR/lib/modules" | head -1)
	[ -f "$KDIR/boot/vmlinuz-$KVER" ] || die "$KDIR: no boot/vmlinuz-$KVER"
}

# module_order prints the module files to insmod, dependencies first, as
# paths relative to lib/modules/KVER: modules.dep gives the hard
# dependencies, modules.softdep the "pre:" ones (libcrc32c needs a crc32c
# implementation), modules.alias resolves those (the last alias wins, which
# picks crc32c_generic over the CPU-specific one). Built-in modules are
# skipped; unknown ones are reported and skipped.
module_order() {
	local mdir=$KDIR/lib/modules/$KVER
	awk -v want="$VM_MODULES" -v mdir="$mdir" '
		function base(p) { sub(/.*\//, "", p); sub(/\.ko(\.[a-z]+)?$/, "", p); gsub(/-/, "_", p); return p }
		function load(m,   i, k, d, x) {
			if (m in done) return
			done[m] = 1
			k = split(soft[m], d, " ")
			for (i = 1; i <= k; i++) {
				x = d[i]; gsub(/-/, "_", x)
				if (x in path) load(x); else if (d[i] in alias) load(alias[d[i]])
			}
			k = split(deps[m], d, " ")
			for (i = 1; i <= k; i++) load(d[i])
			print path[m]
		}
		BEGIN {
			while ((getline l < (mdir "/modules.builtin")) > 0) isbuiltin[base(l)] = 1
			while ((getline l < (mdir "/modules.alias")) > 0) { split(l, f, " "); if (f[1] == "alias") alias[f[2]] = f[3] }
			while ((getline l < (mdir "/modules.softdep")) > 0) {
				n = split(l, f, " ")
				if (f[1] != "softdep") continue
				for (i = 4; i <= n && f[i] != "post:"; i++) soft[f[2]] = soft[f[2]] " " f[i]
			}
		}
		{ m = base($1); path[m] = $1; for (i = 2; i <= NF; i++) deps[m] = deps[m] " " base($i) }
		END {
			n = split(want, w, " ")
			for (i = 1; i <= n; i++) {
				m = w[i]; gsub(/-/, "_", m)
				if (m in path) load(m)
				else if (!(m in isbuiltin)) print "test-vm: module " m " not in this kernel, skipped" > "/dev/stderr"
			}
		}' FS='[ :]+' "$mdir/modules.dep"
}

# packages prints "importpath reldir" for each package to test: those with
# test files, and those go list cannot load (go test -c then reports why).
packages() {
	local mod pkgs ip
	mod=$(go list -m) || die "go list -m: not in the skiff module"
	pkgs=${VM_PKGS:-./cgroups/... ./runtime/... ./internal/vmtest ./labs}
	# shellcheck disable=SC2086
	go list -e -f '{{if or .TestGoFiles .XTestGoFiles .Error}}{{.ImportPath}}{{end}}' $pkgs |
		while read -r ip; do
			case "$ip" in
			"$mod") echo "$ip ." ;;
			"$mod"/*) echo "$ip ${ip#"$mod"/}" ;;
			*) log "VM_PKGS: $ip: not a package of $mod" && echo "! $ip" ;;
			esac
		done
}

# build_tests compiles one static test binary per package into $W/root/skiff
# and copies each package's testdata; compile failures are recorded in
# $W/buildfail and reported with the results.
build_tests() {
	local ip rel name
	mkdir -p "$W/root/skiff/tests" "$W/root/skiff/src"
	: >"$W/root/skiff/tests/list" && : >"$W/buildfail"
	while read -r ip rel; do
		[ "$ip" != "!" ] || { echo "! $rel" && continue; }
		name=${rel//\//_} && [ "$name" != . ] || name=skiff
		mkdir -p "$W/root/skiff/src/$rel"
		[ -d "$rel/testdata" ] && cp -a "$rel/testdata" "$W/root/skiff/src/$rel/"
		echo "$rel $name $ip"
	done < <(packages) >"$W/pkgs"
	! grep -q '^! ' "$W/pkgs" || die "VM_PKGS=${VM_PKGS:-}: name packages of this module, e.g. ./cgroups/..."
	[ -s "$W/pkgs" ] || die "no package with tests in ${VM_PKGS:-cgroups, runtime, internal/vmtest}"
	log "compiling $(wc -l <"$W/pkgs") test binaries"
	# Two at a time: the go build cache makes the shared dependencies cheap.
	export W
	xargs -P 2 -L 1 sh -c 'go test -c -trimpath -ldflags="-s -w" -o "$W/root/skiff/tests/$1.test" "$2" >"$W/build-$1.log" 2>&1 || echo "$0" >>"$W/buildfail"' <"$W/pkgs"
	while read -r rel name _; do
		if grep -qx "$rel" "$W/buildfail"; then
			cat "$W/build-$name.log" >&2
		else
			echo "$rel $name" >>"$W/root/skiff/tests/list"
		fi
	done <"$W/pkgs"
}

# skiff_binary puts a static skiff at /usr/local/bin/skiff: bin/skiff from
# `make build` when it was built with CGO_ENABLED=0 (a dynamic one cannot run
# in the VM, which has no libc), else a fresh static build.
skiff_binary() {
	local dst=$W/root/usr/local/bin/skiff
	mkdir -p "$(dirname "$dst")"
	if [ -x bin/skiff ] && go version -m bin/skiff 2>/dev/null | grep -q 'CGO_ENABLED=0'; then
		cp bin/skiff "$dst"
		return
	fi
	log "bin/skiff missing or not static (make build); building a static one"
	go build -trimpath -ldflags='-s -w' -o "$dst" ./cmd/skiff || die "go build ./cmd/skiff failed"
}

# build_root lays out the guest's root: merged /usr like Debian and Ubuntu,
# static busybox with every applet linked at the path busybox lists, the
# kernel modules (decompressed: busybox insmod takes plain .ko files).
build_root() {
	local r=$W/root a ko plain
	mkdir -p "$r"/{usr/bin,usr/sbin,usr/lib,etc,proc,sys,dev,tmp,run,var/lib,root,mnt}
	ln -s usr/bin "$r/bin" && ln -s usr/sbin "$r/sbin" && ln -s usr/lib "$r/lib"
	cp /bin/busybox "$r/usr/bin/busybox"
	for a in $(/bin/busybox --list-full); do
		a=${a#/}
		case "$a" in bin/* | sbin/*) a=usr/$a ;; esac
		[ -e "$r/$a" ] || ln -s /usr/bin/busybox "$r/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
	printf '127.0.0.1 localhost skiff-vm\n::1 localhost\n' >"$r/etc/hosts"
	: >"$r/etc/resolv.conf"
	echo skiff-vm >"$r/etc/hostname"
	cp scripts/vm/init "$r/init"
	: >"$r/skiff/modules"
	for ko in $(module_order); do
		mkdir -p "$r/lib/modules/$KVER/$(dirname "$ko")"
		case "$ko" in
		*.xz) xz -dc "$KDIR/lib/modules/$KVER/$ko" >"$r/lib/modules/$KVER/${ko%.xz}" ;;
		*.zst) zstd -qdc "$KDIR/lib/modules/$KVER/$ko" >"$r/lib/modules/$KVER/${ko%.zst}" ;;
		*) cp "$KDIR/lib/modules/$KVER/$ko" "$r/lib/modules/$KVER/$ko" ;;
		esac
		plain=${ko%.xz} && plain=${plain%.zst}
		echo "/lib/modules/$KVER/$plain" >>"$r/skiff/modules"
	done
	{
		printf 'VM_TEST_TIMEOUT=%q\nVM_TEST_VERBOSE=%q\nVM_TEST_FLAGS=%q\n' "$VM_TEST_TIMEOUT" "$VM_TEST_VERBOSE" "$VM_TEST_FLAGS"
		printf 'VM_CGROUP_LAYOUT=%q\nVM_KILL_AFTER=%q\n' "$VM_CGROUP_LAYOUT" "$(kill_after)"
		printf 'VM_ROOT_CONTROLLERS=%q\n' "cpuset cpu io memory pids hugetlb rdma misc"
	} >"$r/skiff/env"
}

# kill_after: seconds after which the init kills a binary that ignored its
# -test.timeout (the test timeout plus VM_KILL_GRACE, a minute).
kill_after() {
	local n=${VM_TEST_TIMEOUT%?}
	case "$VM_TEST_TIMEOUT" in
	*s) echo $((n + VM_KILL_GRACE)) ;;
	*m) echo $((n * 60 + VM_KILL_GRACE)) ;;
	*h) echo $((n * 3600 + VM_KILL_GRACE)) ;;
	esac
}

# pack writes the initramfs: cpio newc, gzip -1 (the guest unpacks it
# under emulation; fast compression keeps both sides quick).
pack() {
	local cpio="/bin/busybox cpio -o -H newc -R 0:0"
	command -v cpio >/dev/null && cpio="cpio -o -H newc -R 0:0 --quiet"
	(cd "$W/root" && find . -mindepth 1 | LC_ALL=C sort | $cpio) | gzip -1 >"$W/initrd.gz"
}

# boot runs the VM; the serial console goes to the terminal and console.log.
boot() {
	log "booting $KVER (tcg, ${VM_SMP} cpus, ${VM_MEM} MiB, timeout ${VM_TIMEOUT}s)"
	set +e
	timeout -s KILL "$VM_TIMEOUT" qemu-system-x86_64 -accel tcg,thread=multi -cpu max \
		-m "$VM_MEM" -smp "$VM_SMP" -nographic -monitor none -serial stdio -no-reboot -nic none \
		-kernel "$KDIR/boot/vmlinuz-$KVER" -initrd "$W/initrd.gz" \
		-append "console=ttyS0 panic=-1 quiet loglevel=3 ${VM_CMDLINE_EXTRA:-}" </dev/null |
		tr -d '\r' | sed -u 's/\x1b[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' | tee "$W/console.log"
	QEMU_RC=${PIPESTATUS[0]}
	set -e
	cp "$W/console.log" "$SKIFF_VM_CACHE/last-console.log"
}

# summary prints one row per package and layout and returns non-zero on
# any failure.
summary() {
	local rel name rc secs status layout fail=0 n=0 results
	echo
	printf '%-40s %-8s %-8s %s\n' PACKAGE LAYOUT STATUS SECONDS
	for layout in $VM_CGROUP_LAYOUT; do
		while read -r rel name _; do
			rc='' secs=''
			if grep -qx "$rel" "$W/buildfail"; then
				printf '%-40s %-8s %-8s %s\n' "$rel" "$layout" BUILD -
				fail=1
				continue
			fi
			read -r rc secs < <(awk -v p="$rel" -v l="$layout" '$1 == "SKIFF-VM-RESULT" && $2 == p && $5 == l {print $3, $4}' "$W/console.log")
			case "$rc" in
			'') status=NORESULT fail=1 secs=- ;;
			0) status=ok n=$((n + 1)) ;;
			3) status=LEFTOVER fail=1 ;;
			137) status=KILLED fail=1 ;;
			*) status=FAIL fail=1 ;;
			esac
			printf '%-40s %-8s %-8s %s\n' "$rel" "$layout" "$status" "$secs"
		done <"$W/pkgs"
	done
	if ! grep -q '^SKIFF-VM-DONE' "$W/console.log"; then
		log "the VM did not finish (qemu status $QEMU_RC; timeout ${VM_TIMEOUT}s?)"
		fail=1
	fi
	results=$(grep -c '^SKIFF-VM-RESULT ' "$W/console.log" || true)
	[ "$results" -gt 0 ] || { log "no SKIFF-VM-RESULT line read from the VM"; fail=1; }
	[ $fail -eq 0 ] && log "pure cgroup v2: $n runs passed" ||
		log "pure cgroup v2 lane FAILED (console: $SKIFF_VM_CACHE/last-console.log)"
	return $fail
}

main() {
	local t0=$SECONDS
	ensure_tools
	mkdir -p "$SKIFF_VM_CACHE"
	exec 9>"$SKIFF_VM_CACHE/.lock"
	flock 9 # one download at a time when two lanes start together
	fetch_kernel
	flock -u 9
	W=$(mktemp -d "${TMPDIR:-/tmp}/skiff-vm.XXXXXX")
	[ "${VM_KEEP:-}" = 1 ] && log "work directory $W" || trap 'rm -rf "$W"' EXIT
	build_tests
	skiff_binary
	build_root
	pack
	log "initramfs $(du -h "$W/initrd.gz" | cut -f1), prepared in $((SECONDS - t0))s"
	boot
	summary || { log "total $((SECONDS - t0))s"; return 1; }
	log "total $((SECONDS - t0))s"
}

main "$@"
