package seccomp

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// SetNoNewPrivileges sets no_new_privs (process.noNewPrivileges): from now
// on execve never grants privileges — setuid bits and file capabilities are
// ignored. It is inherited by children and cannot be unset, and it lets a
// process without CAP_SYS_ADMIN install a seccomp filter.
func SetNoNewPrivileges() error {
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl PR_SET_NO_NEW_PRIVS: %w", err)
	}
	return nil
}

// Install makes the program the calling thread's seccomp filter (every
// thread's with SECCOMP_FILTER_FLAG_TSYNC); execve keeps it. Call it last
// before execve, on the thread that will execve (Install locks the calling
// goroutine to its thread for good): from here on every syscall, the Go
// runtime's included, goes through the filter. It needs no_new_privs, or
// CAP_SYS_ADMIN in the effective set. A nil program installs nothing.
//
// The profile must allow execve, and should allow what the Go runtime may
// do on this thread before it (futex, rt_sigreturn, sched_yield, nanosleep,
// mmap): runc's init, also in Go, has the same constraint, and profiles in
// use (Docker's, podman's, Default) allow them all.
func Install(p *Program) error {
	if p == nil {
		return nil
	}
	if runtime.GOARCH != "amd64" {
		return fmt.Errorf("install seccomp filter: %w: the compiler targets x86_64, this is %s", ErrUnsupported, runtime.GOARCH)
	}
	if len(p.Filter) == 0 || len(p.Filter) > maxInstructions {
		return fmt.Errorf("install seccomp filter: %w: %d instructions", ErrInvalid, len(p.Filter))
	}
	runtime.LockOSThread()
	filter := make([]unix.SockFilter, len(p.Filter))
	for i, ins := range p.Filter {
		filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(p.Flags), uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(filter)
	switch {
	case errno == unix.EACCES:
		return fmt.Errorf("install seccomp filter: %w (set no_new_privs first, or keep CAP_SYS_ADMIN)", errno)
	case errno != 0:
		return fmt.Errorf("install seccomp filter: %w", errno)
	case r != 0: // TSYNC: the id of a thread that could not take the filter
		return fmt.Errorf("install seccomp filter with TSYNC: thread %d has a filter this one does not extend", r)
	}
	return nil
}
