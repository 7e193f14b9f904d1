package container

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffrun/skiff/runtime/caps"
	"github.com/skiffrun/skiff/runtime/initproc"
	"github.com/skiffrun/skiff/runtime/seccomp"
)

// checkSecurity validates the security settings of a process before
// anything is created: capability names, the seccomp profile, and LSM
// labels, which this runtime accepts only where the host has that LSM.
func checkSecurity(p *specs.Process, l *specs.Linux) error {
	if err := caps.Validate(p.Capabilities); err != nil {
		return err
	}
	if l != nil && l.Seccomp != nil {
		if err := seccomp.Validate(l.Seccomp); err != nil {
			return err
		}
	}
	return checkLSM(p)
}

// checkLSM refuses AppArmor profiles and SELinux labels on hosts without
// that LSM, and refuses them everywhere else too: skiff does not apply
// them yet, and silently running unconfined would be worse than failing.
func checkLSM(p *specs.Process) error {
	if p.ApparmorProfile != "" {
		if _, err := os.Stat("/sys/kernel/security/apparmor"); err != nil {
			return fmt.Errorf("process.apparmorProfile %q: this host has no AppArmor; remove the field", p.ApparmorProfile)
		}
		return fmt.Errorf("process.apparmorProfile %q: not supported by skiff yet; remove the field", p.ApparmorProfile)
	}
	if p.SelinuxLabel != "" {
		if _, err := os.Stat("/sys/fs/selinux"); err != nil {
			return fmt.Errorf("process.selinuxLabel %q: this host has no SELinux; remove the field", p.SelinuxLabel)
		}
		return fmt.Errorf("process.selinuxLabel %q: not supported by skiff yet; remove the field", p.SelinuxLabel)
	}
	return nil
}

// security builds the last steps of the init for a process, as runc
// orders them: capabilities around the user switch; with no_new_privs,
// no_new_privs then seccomp right before execve (seccomp last: it may
// forbid what the other steps need); without it, seccomp first, while the
// init still has CAP_SYS_ADMIN, which installing a filter then requires.
func security(p *specs.Process, l *specs.Linux) (initproc.Security, error) {
	var capPlan *caps.Plan
	if p.Capabilities != nil {
		last, err := caps.LastCap()
		if err != nil {
			return initproc.Security{}, err
		}
		if capPlan, err = caps.NewPlan(p.Capabilities, last); err != nil {
			return initproc.Security{}, err
		}
		if err := withinBounding(capPlan); err != nil {
			return initproc.Security{}, err
		}
	}
	var prog *seccomp.Program
	if l != nil && l.Seccomp != nil {
		var err error
		if prog, err = seccomp.Compile(l.Seccomp); err != nil {
			return initproc.Security{}, err
		}
	}
	early, late := prog, (*seccomp.Program)(nil)
	if p.NoNewPrivileges {
		early, late = nil, prog
	}
	return initproc.Security{
		BeforeUser: func() error { return beforeUser(early, capPlan != nil) },
		AfterUser:  func() error { return caps.Apply(capPlan) },
		Last:       func() error { return lastSteps(p.NoNewPrivileges, late) },
	}, nil
}

func beforeUser(prog *seccomp.Program, keepCaps bool) error {
	if prog != nil {
		if err := seccomp.Install(prog); err != nil {
			return err
		}
	}
	if keepCaps {
		return caps.KeepOnSetuid()
	}
	return nil
}

func lastSteps(noNewPrivs bool, prog *seccomp.Program) error {
	if noNewPrivs {
		if err := seccomp.SetNoNewPrivileges(); err != nil {
			return err
		}
	}
	if prog == nil {
		return nil
	}
	return seccomp.Install(prog)
}

// withinBounding refuses capabilities this process cannot grant because
// its own bounding set lacks them (a runtime confined by its parent), so
// that create fails instead of the program, after start.
func withinBounding(plan *caps.Plan) error {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return fmt.Errorf("read capability bounding set: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		hex, ok := strings.CutPrefix(line, "CapBnd:")
		if !ok {
			continue
		}
		have, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
		if err != nil {
			return fmt.Errorf("parse CapBnd %q: %w", hex, err)
		}
		if missing := (plan.Permitted | plan.Effective | plan.Ambient) &^ caps.Set(have); missing != 0 {
			return fmt.Errorf("process.capabilities: %s: not in this runtime's own bounding set, so it cannot be granted", strings.Join(missing.Names(), ", "))
		}
		return nil
	}
	return nil
}
