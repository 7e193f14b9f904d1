package caps

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// LastCap returns the running kernel's highest capability number, from
// /proc/sys/kernel/cap_last_cap.
func LastCap() (int, error) {
	data, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return 0, fmt.Errorf("read cap_last_cap: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || n < 0 || n > 63 {
		return 0, fmt.Errorf("read cap_last_cap: bad value %q", data)
	}
	return n, nil
}

// KeepOnSetuid makes this thread keep its permitted capabilities when it
// switches from uid 0 to another uid (PR_SET_KEEPCAPS; without it setuid
// empties them and Apply could not set what the spec asks for). Call it on
// the init's locked thread, before initproc.SetUser. Apply clears it again;
// execve would too.
func KeepOnSetuid() error {
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl PR_SET_KEEPCAPS: %w", err)
	}
	return nil
}

// Apply gives the calling thread the plan's capabilities. The init calls
// it last, in this order:
//
//	caps.KeepOnSetuid()     before setuid: keep the permitted set
//	initproc.SetUser(...)   setgroups, setgid, setuid
//	caps.Apply(plan)        this function
//	no_new_privs, seccomp   (seccomp last: it may forbid what came before)
//	execve                  on this same thread
//
// Capabilities belong to a thread, not a process (unlike Go's Setuid,
// which the runtime applies to every thread), so Apply locks the calling
// goroutine to its thread for good and the caller must execve from it.
// Apply does, in order: raise effective to permitted (setuid emptied it),
// drop the bounding set (needs CAP_SETPCAP effective), clear the keep-caps
// flag, set effective, permitted and inheritable with capset, then the
// ambient set. A nil plan changes nothing.
func Apply(p *Plan) error {
	if p == nil {
		return nil
	}
	runtime.LockOSThread()
	steps := []struct {
		name string
		do   func() error
	}{
		{"raise effective", raiseEffective},
		{"drop bounding", func() error { return dropBounding(p.Drop()) }},
		{"clear keep-caps", func() error { return unix.Prctl(unix.PR_SET_KEEPCAPS, 0, 0, 0, 0) }},
		{"capset", func() error { return capset(p.Effective, p.Permitted, p.Inheritable) }},
		{"set ambient", func() error { return setAmbient(p.Ambient) }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return fmt.Errorf("capabilities: %s: %w", s.name, err)
		}
	}
	return nil
}

func capget() (eff, perm, inh Set, err error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return 0, 0, 0, fmt.Errorf("capget: %w", err)
	}
	join := func(lo, hi uint32) Set { return Set(lo) | Set(hi)<<32 }
	return join(data[0].Effective, data[1].Effective), join(data[0].Permitted, data[1].Permitted),
		join(data[0].Inheritable, data[1].Inheritable), nil
}

func capset(eff, perm, inh Set) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	e, p, i := eff.Words(), perm.Words(), inh.Words()
	for w := range data {
		data[w] = unix.CapUserData{Effective: e[w], Permitted: p[w], Inheritable: i[w]}
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset effective=%v permitted=%v inheritable=%v: %w", eff.Names(), perm.Names(), inh.Names(), err)
	}
	return nil
}

// raiseEffective makes effective equal permitted again: a switch away from
// uid 0 empties the effective set even when KeepOnSetuid kept permitted.
func raiseEffective() error {
	_, perm, inh, err := capget()
	if err != nil {
		return err
	}
	return capset(perm, perm, inh)
}

func dropBounding(drop Set) error {
	for _, n := range drop.List() {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(n), 0, 0, 0); err != nil {
			return fmt.Errorf("drop %s (needs CAP_SETPCAP; call KeepOnSetuid before setuid): %w", Name(n), err)
		}
	}
	return nil
}

func setAmbient(amb Set) error {
	err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	if err != nil && amb != 0 {
		return fmt.Errorf("clear: %w", err)
	}
	for _, n := range amb.List() {
		if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(n), 0, 0); err != nil {
			return fmt.Errorf("raise %s: %w", Name(n), err)
		}
	}
	return nil
}
