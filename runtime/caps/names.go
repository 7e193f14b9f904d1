package caps

import "strconv"

// names lists every capability Linux defines, indexed by its number
// (include/uapi/linux/capability.h). A running kernel may know fewer: its
// highest number is /proc/sys/kernel/cap_last_cap (see LastCap).
var names = [...]string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
	"CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// Last is the highest capability number this package knows.
const Last = len(names) - 1

var numbers = func() map[string]int {
	m := make(map[string]int, len(names))
	for n, name := range names {
		m[name] = n
	}
	return m
}()

// Number returns the number of a capability name, spelled as in the OCI
// spec and the kernel headers ("CAP_NET_RAW").
func Number(name string) (int, bool) {
	n, ok := numbers[name]
	return n, ok
}

// Name returns the name of a capability number ("CAP_63" when unknown).
func Name(n int) string {
	if n >= 0 && n <= Last {
		return names[n]
	}
	return "CAP_" + strconv.Itoa(n)
}
