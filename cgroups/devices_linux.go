package cgroups

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// deviceProgramName is the kernel-side name of skiff's device programs
// (BPF object names hold at most 15 characters). setDevices recognizes
// the program it attached earlier by it.
const deviceProgramName = "skiff_devices"

// setDevices enforces rules on the cgroup v2 directory dir: it loads
// DeviceProgram(rules) into the kernel and attaches it to the cgroup
// (BPF_PROG_ATTACH, type BPF_CGROUP_DEVICE), then detaches the program a
// previous call attached, if any. New first, old second, so the cgroup
// is never without rules; for that moment both run and a device must
// pass both.
//
// The attachment holds the program in the kernel after this process
// exits; removing the cgroup (Destroy) releases it. BPF_F_ALLOW_MULTI
// lets programs of other owners on the same cgroup stay, and ancestors'
// programs run too: an access must pass all of them.
func setDevices(dir string, rules []specs.LinuxDeviceCgroup, log *slog.Logger) error {
	start := time.Now()
	parsed, err := parseDeviceRules(rules)
	if err != nil {
		return err
	}
	insns := deviceProgram(parsed)
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:         deviceProgramName,
		Type:         ebpf.CGroupDevice,
		License:      "Apache-2.0",
		Instructions: insns,
	})
	if err != nil {
		return fmt.Errorf("load device program: %w", err)
	}
	defer prog.Close() // the attachment keeps its own reference
	cg, err := os.OpenFile(dir, os.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open cgroup %s: %w", dir, unwrapPath(err))
	}
	defer cg.Close()
	replaced, err := swapDeviceProgram(int(cg.Fd()), prog)
	if err != nil {
		return err
	}
	log.Debug("device program attached", "dir", dir, "rules", deviceRulesText(parsed), "instructions", len(insns),
		"replaced", replaced, "took", time.Since(start))
	return nil
}

// swapDeviceProgram attaches prog to the cgroup behind fd, then detaches
// the skiff programs that were there before; it returns how many.
func swapDeviceProgram(fd int, prog *ebpf.Program) (int, error) {
	old, err := devicePrograms(fd)
	if err != nil {
		return 0, fmt.Errorf("query device programs: %w", err)
	}
	defer closePrograms(old)
	if err := link.RawAttachProgram(link.RawAttachProgramOptions{Target: fd, Program: prog,
		Attach: ebpf.AttachCGroupDevice, Flags: unix.BPF_F_ALLOW_MULTI}); err != nil {
		return 0, fmt.Errorf("attach device program: %w", err)
	}
	for _, p := range old {
		if err := link.RawDetachProgram(link.RawDetachProgramOptions{Target: fd, Program: p,
			Attach: ebpf.AttachCGroupDevice}); err != nil {
			return 0, fmt.Errorf("detach the previous device program: %w", err)
		}
	}
	return len(old), nil
}

// devicePrograms opens the device programs skiff attached directly to
// the cgroup behind fd (not its ancestors'), recognized by name.
func devicePrograms(fd int) ([]*ebpf.Program, error) {
	res, err := link.QueryPrograms(link.QueryOptions{Target: fd, Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		return nil, err
	}
	var out []*ebpf.Program
	for _, ap := range res.Programs {
		p, err := ebpf.NewProgramFromID(ap.ID)
		if errors.Is(err, os.ErrNotExist) {
			continue // detached and freed since the query
		}
		if err != nil {
			closePrograms(out)
			return nil, fmt.Errorf("open program %d: %w", ap.ID, err)
		}
		info, err := p.Info()
		if err != nil {
			p.Close()
			closePrograms(out)
			return nil, fmt.Errorf("read program %d: %w", ap.ID, err)
		}
		if info.Name != deviceProgramName {
			p.Close()
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

// deviceHint explains the two usual reasons a device program cannot be
// used, for the end of an error message.
func deviceHint(err error) string {
	switch {
	case errors.Is(err, ebpf.ErrNotSupported):
		return " (cgroup v2 enforces device rules with an eBPF program: this kernel needs CONFIG_CGROUP_BPF)"
	case errors.Is(err, unix.EPERM):
		return " (loading the device program needs CAP_SYS_ADMIN or CAP_BPF)"
	}
	return ""
}

func closePrograms(ps []*ebpf.Program) {
	for _, p := range ps {
		p.Close()
	}
}
