// Package seccomp compiles an OCI seccomp profile (linux.seccomp in
// config.json) into a classic BPF program, in pure Go, and installs it on
// the container's init just before execve. It also provides Default, the
// profile `skiff run` gives every container.
//
// Lab 07 ("the OCI bundle and lifecycle") introduces it. Read in this
// order:
//
//   - profile.go: the profile checked and turned into rules per
//     architecture and syscall number (errors name the field);
//   - compile.go: the rules as BPF: check the architecture, load the
//     syscall number, find it with a binary search, return an action;
//   - cond.go: argument conditions, 64-bit comparisons made of two 32-bit
//     halves;
//   - default.go: the default allowlist and why each group is there;
//   - install_linux.go: no_new_privs, then seccomp(SECCOMP_SET_MODE_FILTER).
//
// Behaviour, where runc/libseccomp leave a choice:
//
//   - The native x86_64 ABI is always filtered; SCMP_ARCH_X86 adds the
//     i386 ABI. x32 syscalls (number bit 0x40000000) are always refused with
//     KILL_PROCESS, like any architecture the profile does not list, even
//     when SCMP_ARCH_X32 is listed: skiff does not run x32 programs.
//     Architectures of other CPUs are accepted and ignored.
//   - A syscall name this architecture lacks but another has ("socketcall"
//     on x86_64) is skipped, as runc does; Program.Ignored lists them. A name
//     no Linux architecture has is an error (runc only logs it): it is a
//     typo, and a typo in an allowlist silently breaks programs.
//   - As in runc, rules whose action equals the default action are dropped,
//     and an entry with several conditions on the same argument becomes one
//     rule per condition (any of them matches); otherwise all conditions of
//     an entry must hold. For one syscall the first matching rule, in
//     profile order, decides.
//   - SCMP_ACT_NOTIFY is refused: skiff has no seccomp agent.
//
// The syscall tables come from golang.org/x/sys (go generate writes
// syscalls_table.go).
package seccomp
