package seccomp

import (
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// allowed are the syscalls a default container may make without
// conditions: what ordinary programs need (files, memory, processes,
// signals, sockets, time, ids inside the container's own user), in the
// spirit of Docker's and podman's default profiles. Everything else returns
// EPERM: the groups left out reach past the container (see notAllowed).
var allowed = []string{
	// files and directories
	"access", "faccessat", "faccessat2", "chdir", "fchdir", "getcwd", "chmod", "fchmod", "fchmodat", "fchmodat2",
	"chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32", "close", "close_range",
	"creat", "open", "openat", "openat2", "read", "readv", "pread64", "preadv", "preadv2",
	"write", "writev", "pwrite64", "pwritev", "pwritev2", "lseek", "_llseek", "dup", "dup2", "dup3",
	"fcntl", "fcntl64", "flock", "fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "fallocate",
	"ftruncate", "ftruncate64", "truncate", "truncate64", "getdents", "getdents64", "link", "linkat",
	"mkdir", "mkdirat", "mknod", "mknodat", "rename", "renameat", "renameat2", "rmdir", "unlink", "unlinkat",
	"symlink", "symlinkat", "readlink", "readlinkat", "stat", "stat64", "lstat", "lstat64", "fstat", "fstat64",
	"fstatat64", "newfstatat", "statx", "statfs", "statfs64", "fstatfs", "fstatfs64", "umask",
	"utime", "utimes", "utimensat", "utimensat_time64", "futimesat", "fadvise64", "fadvise64_64", "readahead",
	"copy_file_range", "sendfile", "sendfile64", "splice", "tee", "vmsplice", "name_to_handle_at",
	"getxattr", "lgetxattr", "fgetxattr", "getxattrat", "setxattr", "lsetxattr", "fsetxattr", "setxattrat",
	"listxattr", "llistxattr", "flistxattr", "listxattrat", "removexattr", "lremovexattr", "fremovexattr",
	"removexattrat", "file_getattr", "file_setattr", "cachestat", "ioctl", "pipe", "pipe2",
	"inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "fanotify_mark",
	"statmount", "listmount",
	// polling and events
	"select", "_newselect", "pselect6", "pselect6_time64", "poll", "ppoll", "ppoll_time64",
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_wait", "epoll_wait_old",
	"epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "signalfd", "signalfd4",
	"timerfd_create", "timerfd_settime", "timerfd_settime64", "timerfd_gettime", "timerfd_gettime64",
	"io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
	// memory
	"brk", "mmap", "mmap2", "munmap", "mremap", "mprotect", "madvise", "mincore", "msync", "mlock", "mlock2",
	"munlock", "mlockall", "munlockall", "membarrier", "memfd_create", "memfd_secret", "remap_file_pages",
	"pkey_alloc", "pkey_free", "pkey_mprotect", "map_shadow_stack", "mseal", "process_mrelease",
	// processes, threads, scheduling
	"execve", "execveat", "exit", "exit_group", "fork", "vfork", "wait4", "waitid", "waitpid",
	"getpid", "getppid", "gettid", "getpgid", "setpgid", "getpgrp", "getsid", "setsid",
	"set_tid_address", "set_robust_list", "get_robust_list", "rseq", "futex", "futex_time64", "futex_waitv",
	"futex_wake", "futex_wait", "futex_requeue", "arch_prctl", "modify_ldt", "set_thread_area", "get_thread_area",
	"prctl", "capget", "capset", "getrlimit", "ugetrlimit", "setrlimit", "prlimit64", "getrusage", "times",
	"getpriority", "setpriority", "ioprio_get", "ioprio_set", "getcpu", "sched_yield", "sched_getaffinity",
	"sched_setaffinity", "sched_getattr", "sched_setattr", "sched_getparam", "sched_setparam",
	"sched_getscheduler", "sched_setscheduler", "sched_get_priority_max", "sched_get_priority_min",
	"sched_rr_get_interval", "sched_rr_get_interval_time64", "seccomp", "landlock_create_ruleset",
	"landlock_add_rule", "landlock_restrict_self", "pidfd_open", "pidfd_send_signal", "uretprobe",
	"restart_syscall", "getrandom", "uname", "sysinfo",
	// debugging one's own processes: seccomp is checked again after a
	// tracer changes a syscall (Linux 4.8), as Docker and podman assume.
	"ptrace", "process_vm_readv", "process_vm_writev",
	// ids (within what the capabilities allow)
	"getuid", "getuid32", "geteuid", "geteuid32", "getgid", "getgid32", "getegid", "getegid32",
	"getresuid", "getresuid32", "getresgid", "getresgid32", "getgroups", "getgroups32",
	"setuid", "setuid32", "setgid", "setgid32", "setreuid", "setreuid32", "setregid", "setregid32",
	"setresuid", "setresuid32", "setresgid", "setresgid32", "setgroups", "setgroups32",
	"setfsuid", "setfsuid32", "setfsgid", "setfsgid32",
	// signals
	"kill", "tkill", "tgkill", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending",
	"rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
	"sigaltstack", "sigreturn", "sigprocmask", "pause", "alarm",
	// time (setting the clock needs CAP_SYS_TIME)
	"time", "gettimeofday", "clock_gettime", "clock_gettime64", "clock_getres", "clock_getres_time64",
	"clock_nanosleep", "clock_nanosleep_time64", "nanosleep", "adjtimex", "clock_adjtime", "clock_adjtime64",
	"getitimer", "setitimer", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
	"timer_gettime64", "timer_settime", "timer_settime64",
	// sockets (socket itself is below: no AF_VSOCK) and System V IPC
	"socketpair", "bind", "listen", "accept", "accept4", "connect", "getsockname", "getpeername",
	"getsockopt", "setsockopt", "sendto", "sendmsg", "sendmmsg", "recvfrom", "recvmsg",
	"recvmmsg", "recvmmsg_time64", "shutdown", "socketcall", "ipc", "shmget", "shmat", "shmdt", "shmctl",
	"semget", "semop", "semtimedop", "semtimedop_time64", "semctl", "msgget", "msgsnd", "msgrcv", "msgctl",
	"mq_open", "mq_unlink", "mq_timedsend", "mq_timedsend_time64", "mq_timedreceive",
	"mq_timedreceive_time64", "mq_notify", "mq_getsetattr",
}

// notAllowed documents what the default profile refuses, and why; the
// test checks that none of these is allowed.
var notAllowed = map[string]string{
	"mount": "file systems", "umount": "file systems", "umount2": "file systems", "pivot_root": "file systems",
	"chroot": "file systems", "open_tree": "file systems", "move_mount": "file systems", "fsopen": "file systems",
	"fsconfig": "file systems", "fsmount": "file systems", "fspick": "file systems", "mount_setattr": "file systems",
	"swapon": "the host's swap", "swapoff": "the host's swap", "reboot": "the host's power",
	"kexec_load": "the host's kernel", "kexec_file_load": "the host's kernel",
	"init_module": "kernel modules", "finit_module": "kernel modules", "delete_module": "kernel modules",
	"acct": "host accounting", "quotactl": "host quotas", "quotactl_fd": "host quotas",
	"keyctl": "the kernel keyring is not namespaced", "add_key": "the kernel keyring is not namespaced",
	"request_key": "the kernel keyring is not namespaced",
	"unshare":     "only without namespace flags", "clone": "only without namespace flags",
	"clone3": "its flags are out of BPF's reach: ENOSYS, so libc falls back to clone",
	"setns":  "joining other namespaces",
	"bpf":    "kernel programs", "perf_event_open": "kernel tracing", "userfaultfd": "a tool of kernel exploits",
	"open_by_handle_at": "opens host files by handle (the shocker escape)",
	"io_uring_setup":    "bypasses seccomp for its operations", "io_uring_enter": "bypasses seccomp", "io_uring_register": "bypasses seccomp",
	"settimeofday": "the host's clock", "clock_settime": "the host's clock", "stime": "the host's clock",
	"syslog": "the kernel log", "iopl": "hardware ports", "ioperm": "hardware ports",
	"sethostname": "the UTS namespace is set by the runtime", "setdomainname": "the UTS namespace is set by the runtime",
	"lookup_dcookie": "kernel profiling", "kcmp": "inspects other processes' kernel objects",
	"pidfd_getfd": "steals other processes' files", "mbind": "NUMA policy (CAP_SYS_NICE)",
	"set_mempolicy": "NUMA policy", "migrate_pages": "NUMA policy", "move_pages": "NUMA policy",
	"get_mempolicy": "NUMA policy", "set_mempolicy_home_node": "NUMA policy",
	"process_madvise": "advises another process's memory", "clock_settime64": "the host's clock",
	"nfsservctl": "host services", "personality": "only the usual personas", "vm86": "legacy",
	"vm86old": "legacy", "uselib": "legacy", "ustat": "legacy", "sysfs": "legacy", "_sysctl": "legacy",
	"fanotify_init": "watches the whole host", "vhangup": "terminals",
}

// namespaceFlags are the CLONE_NEW* bits of clone and unshare.
const namespaceFlags = unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC |
	unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET

// byCapability are the syscalls a capability makes useful, allowed by
// DefaultFor when the container's bounding set has it (as Docker does):
// the kernel still checks the capability itself.
var byCapability = map[string][]string{
	"CAP_SYS_ADMIN": {"bpf", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie",
		"mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
		"setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "clone", "clone3", "unshare"},
	"CAP_SYS_BOOT":        {"reboot"},
	"CAP_SYS_CHROOT":      {"chroot"},
	"CAP_SYS_MODULE":      {"init_module", "finit_module", "delete_module"},
	"CAP_SYS_PACCT":       {"acct"},
	"CAP_SYS_PTRACE":      {"kcmp", "pidfd_getfd", "process_madvise", "userfaultfd"},
	"CAP_SYS_RAWIO":       {"iopl", "ioperm"},
	"CAP_SYS_TIME":        {"settimeofday", "stime", "clock_settime", "clock_settime64"},
	"CAP_SYS_TTY_CONFIG":  {"vhangup"},
	"CAP_SYS_NICE":        {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node", "migrate_pages", "move_pages"},
	"CAP_SYSLOG":          {"syslog"},
	"CAP_BPF":             {"bpf"},
	"CAP_PERFMON":         {"perf_event_open"},
	"CAP_DAC_READ_SEARCH": {"open_by_handle_at"},
}

// Default returns the profile `skiff run` gives a container with the
// default capabilities: an allowlist, EPERM for everything else, for the
// x86_64 and i386 ABIs. It is a new value each time: the caller may change
// it.
func Default() *specs.LinuxSeccomp { return DefaultFor(nil) }

// DefaultFor is Default for a container whose bounding set is caps: each
// capability also allows the syscalls it is for (CAP_SYS_ADMIN: mount,
// setns, namespaces in clone and unshare ...; CAP_SYS_CHROOT: chroot), so
// that `--cap-add` is not undone by the filter. Unknown names add nothing.
func DefaultFor(caps []string) *specs.LinuxSeccomp {
	errno := func(e unix.Errno) *uint { n := uint(e); return &n }
	p := &specs.LinuxSeccomp{
		DefaultAction:   specs.ActErrno,
		DefaultErrnoRet: errno(unix.EPERM),
		Architectures:   []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
		Syscalls: []specs.LinuxSyscall{
			{Names: append([]string(nil), allowed...), Action: specs.ActAllow},
			// every socket family but vsock (talks to the hypervisor).
			{Names: []string{"socket"}, Action: specs.ActAllow,
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: unix.AF_VSOCK, Op: specs.OpNotEqual}}},
		},
	}
	var extra []string
	for _, c := range caps {
		extra = append(extra, byCapability[c]...)
	}
	if len(extra) > 0 {
		p.Syscalls = append(p.Syscalls, specs.LinuxSyscall{Names: extra, Action: specs.ActAllow})
	}
	if !slices.Contains(caps, "CAP_SYS_ADMIN") {
		p.Syscalls = append(p.Syscalls,
			// clone and unshare, but no new namespace (unprivileged user
			// namespaces open much of the kernel to the container).
			specs.LinuxSyscall{Names: []string{"clone", "unshare"}, Action: specs.ActAllow,
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: namespaceFlags, ValueTwo: 0, Op: specs.OpMaskedEqual}}},
			// clone3's flags are in memory BPF cannot read: ENOSYS makes
			// libc fall back to clone.
			specs.LinuxSyscall{Names: []string{"clone3"}, Action: specs.ActErrno, ErrnoRet: errno(unix.ENOSYS)})
	}
	// personality: the default persona, with or without the 32-bit
	// address space, and the query (0xffffffff).
	for _, persona := range []uint64{0, 0x8, 0x20000, 0x20008, 0xffffffff} {
		p.Syscalls = append(p.Syscalls, specs.LinuxSyscall{Names: []string{"personality"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 0, Value: persona, Op: specs.OpEqualTo}}})
	}
	return p
}
