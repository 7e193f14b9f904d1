package doctor

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Level says how much a finding matters.
type Level string

const (
	OK   Level = "ok"
	Warn Level = "warn" // some labs or features will not work
	Fail Level = "FAIL" // containers will not work
)

// Finding is the result of one check.
type Finding struct {
	Check  string
	Level  Level
	Detail string
	Fix    string // what to do, when Level is not OK
}

// Host is what the checks read, so that they can be tested on fake files.
type Host struct {
	Proc    string // /proc
	Sys     string // /sys
	DataDir string // /var/lib/skiff
	Busybox string // /bin/busybox
	// Probes for what files cannot tell (nftables needs netlink).
	NftablesWorks func() error
	CgroupSummary func() (mode string, controllers []string, err error)
}

// Run performs every check in order.
func Run(h Host) []Finding {
	checks := []func(Host) Finding{kernel, cgroupMode, overlay, propagation, userns, nftablesCheck, ipForward, busybox}
	out := make([]Finding, 0, len(checks))
	for _, c := range checks {
		out = append(out, c(h))
	}
	return out
}

// Print writes the findings as a table with fixes; it returns the number
// of failures.
func Print(w io.Writer, fs []Finding) int {
	failed := 0
	for _, f := range fs {
		fmt.Fprintf(w, "%-4s  %-18s %s\n", f.Level, f.Check, f.Detail)
		if f.Level != OK && f.Fix != "" {
			fmt.Fprintf(w, "      %-18s fix: %s\n", "", f.Fix)
		}
		if f.Level == Fail {
			failed++
		}
	}
	return failed
}

func read(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// kernel needs 5.6 for openat2 (safe mount targets); 5.14 adds cgroup.kill.
func kernel(h Host) Finding {
	rel := read(filepath.Join(h.Proc, "sys/kernel/osrelease"))
	f := Finding{Check: "kernel", Detail: rel}
	major, minor := parseVersion(rel)
	switch {
	case major == 0:
		f.Level, f.Fix = Fail, "cannot read the kernel version from /proc"
	case major < 5 || major == 5 && minor < 6:
		f.Level, f.Fix = Fail, "skiff needs Linux 5.6 or newer (openat2); use Debian 12 or Ubuntu 22.04"
	case major == 5 && minor < 14:
		f.Level, f.Fix = Warn, "Linux 5.14+ adds cgroup.kill; older kernels kill by freezing (works, slower)"
	default:
		f.Level = OK
	}
	return f
}

func parseVersion(rel string) (int, int) {
	parts := strings.SplitN(rel, ".", 3)
	if len(parts) < 2 {
		return 0, 0
	}
	major, _ := strconv.Atoi(parts[0])
	minor, _ := strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	return major, minor
}

func cgroupMode(h Host) Finding {
	f := Finding{Check: "cgroups"}
	mode, ctrls, err := h.CgroupSummary()
	if err != nil {
		f.Level, f.Detail, f.Fix = Fail, err.Error(), "mount cgroup2 on /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup)"
		return f
	}
	f.Detail = fmt.Sprintf("%s; controllers: %s", mode, strings.Join(ctrls, " "))
	f.Level = OK
	for _, need := range []string{"memory", "pids", "cpu"} {
		if !contains(ctrls, need) {
			f.Level = Warn
			f.Fix = fmt.Sprintf("controller %s missing: enable it (v2: echo +%s > /sys/fs/cgroup/cgroup.subtree_control) or lab 02 cannot limit %s", need, need, need)
		}
	}
	return f
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func overlay(h Host) Finding {
	f := Finding{Check: "overlayfs", Level: OK, Detail: "available"}
	if !strings.Contains(read(filepath.Join(h.Proc, "filesystems")), "overlay") {
		f.Level, f.Detail, f.Fix = Warn, "not loaded", "modprobe overlay (images need it; skiff run --rootfs works without)"
	}
	return f
}

// propagation reports how / propagates: shared on systemd hosts, which is
// why skiff makes the container's tree private first (lab 03).
func propagation(h Host) Finding {
	for _, line := range strings.Split(read(filepath.Join(h.Proc, "self/mountinfo")), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 6 && fields[4] == "/" {
			mode := "private"
			for _, opt := range fields[6:] {
				if opt == "-" {
					break
				}
				if strings.HasPrefix(opt, "shared:") {
					mode = "shared"
				} else if strings.HasPrefix(opt, "master:") {
					mode = "slave"
				}
			}
			return Finding{Check: "propagation of /", Level: OK, Detail: mode + " (skiff makes each container's tree private before mounting)"}
		}
	}
	return Finding{Check: "propagation of /", Level: Warn, Detail: "no / in mountinfo", Fix: "check that /proc is mounted"}
}

func userns(h Host) Finding {
	f := Finding{Check: "user namespaces", Level: OK}
	max := read(filepath.Join(h.Proc, "sys/user/max_user_namespaces"))
	f.Detail = "max_user_namespaces=" + max
	if max == "" || max == "0" {
		f.Level, f.Fix = Warn, "sysctl -w user.max_user_namespaces=15000 (needed only for configs with a user namespace)"
	}
	return f
}

func nftablesCheck(h Host) Finding {
	f := Finding{Check: "nftables", Level: OK, Detail: "netlink answers"}
	if err := h.NftablesWorks(); err != nil {
		f.Level, f.Detail, f.Fix = Warn, err.Error(), "modprobe nf_tables (published ports and NAT need it)"
	}
	return f
}

func ipForward(h Host) Finding {
	v := read(filepath.Join(h.Proc, "sys/net/ipv4/ip_forward"))
	f := Finding{Check: "ip_forward", Level: OK, Detail: v}
	if v != "1" {
		f.Detail = v + " (skiff turns it on when it creates a bridge network)"
	}
	return f
}

func busybox(h Host) Finding {
	f := Finding{Check: "busybox image", Level: OK}
	_, errBin := os.Stat(h.Busybox)
	_, errImg := os.Stat(filepath.Join(h.DataDir, "images", "index.json"))
	switch {
	case errImg == nil:
		f.Detail = "image store present in " + filepath.Join(h.DataDir, "images")
	case errBin == nil:
		f.Detail = h.Busybox + " present; the busybox image is built on first use"
	default:
		f.Level, f.Detail, f.Fix = Warn, "no static busybox", "apt-get install busybox-static (the offline base image)"
	}
	return f
}
