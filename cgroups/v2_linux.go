package cgroups

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// v2Manager drives one directory of the unified hierarchy, e.g.
// /sys/fs/cgroup/skiff/abc, where every controller's files live together.
type v2Manager struct {
	dir  string // the container's cgroup directory
	root string // the cgroup2 mount point
	log  *slog.Logger
}

func (m *v2Manager) Mode() Mode                        { return Unified }
func (m *v2Manager) Paths() map[string]string          { return map[string]string{"": m.dir} }
func (m *v2Manager) Exists() bool                      { return exists(m.dir) }
func (m *v2Manager) Apply(pid int) error               { return writeFile(m.dir, "cgroup.procs", fmt.Sprint(pid)) }
func (m *v2Manager) PIDs() ([]int, error)              { return readPids(m.dir) }
func (m *v2Manager) Destroy(ctx context.Context) error { return removeTree(ctx, m.dir) }

func (m *v2Manager) CgroupFD() (*os.File, error) {
	f, err := os.OpenFile(m.dir, os.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open cgroup %s: %w", m.dir, unwrapPath(err))
	}
	return f, nil
}

// hostV2 describes what a cgroup created below base can use.
func (m *v2Manager) hostV2(base string) Host {
	h := Host{Mode: Unified, Controllers: map[string]bool{}, Elsewhere: map[string]string{},
		Where: base + "/cgroup.controllers", HugePageSizes: hugePageSizes()}
	ctl, _ := readFile(base, "cgroup.controllers")
	for _, c := range strings.Fields(ctl) {
		h.Controllers[c] = true
	}
	for c, hier := range procCgroups() {
		if hier != "0" {
			h.Elsewhere[c] = "bound to a cgroup v1 hierarchy on this host (see /proc/cgroups), so cgroup v2 cannot use it"
		}
	}
	h.CPUs, h.Mems = onlineCPUs(), ""
	if s, err := readFile(base, "cpuset.cpus.effective"); err == nil && s != "" {
		h.CPUs = s
	}
	if s, err := readFile(base, "cpuset.mems.effective"); err == nil && s != "" {
		h.Mems = s
	}
	return h
}

// Create: plan against the nearest existing ancestor, enable controllers
// down the new path, mkdir, write, attach the device program. Undo on
// failure.
func (m *v2Manager) Create(r *specs.LinuxResources) error {
	if exists(m.dir) {
		return fmt.Errorf("create cgroup %s: %w", m.dir, ErrExist)
	}
	base := deepestExisting(m.dir)
	h := m.hostV2(base)
	writes, err := Plan(r, h)
	if err != nil {
		return fmt.Errorf("create cgroup %s: %w", m.dir, err)
	}
	ctrls := slices.DeleteFunc(slices.Clone(v2Controllers), func(c string) bool { return !h.Controllers[c] })
	ctrls = needed(ctrls, writes)
	enabled, err := enable(base, ctrls)
	if err != nil {
		disable(base, enabled)
		return fmt.Errorf("create cgroup %s: %w", m.dir, err)
	}
	created, err := m.build(base, ctrls, writes)
	if err == nil {
		err = m.devices(r)
	}
	if err != nil {
		rmdirs(created)
		disable(base, enabled)
		return fmt.Errorf("create cgroup %s: %w", m.dir, err)
	}
	return nil
}

// build makes the directories below base (enabling ctrls in each new
// parent) and applies the writes to the leaf.
func (m *v2Manager) build(base string, ctrls []string, writes []Write) ([]string, error) {
	created, err := mkdirs(m.dir)
	if err != nil {
		return created, err
	}
	if len(created) == 0 {
		return nil, ErrExist // made by someone else since Create checked
	}
	for _, d := range created[:len(created)-1] {
		if _, err := enable(d, ctrls); err != nil {
			return created, err
		}
	}
	return created, m.apply(writes)
}

func (m *v2Manager) apply(writes []Write) error {
	for _, w := range writes {
		m.log.Debug("cgroup write", "dir", m.dir, "file", w.File, "value", w.Value, "field", w.Field)
		if err := writeFile(m.dir, w.File, w.Value); err != nil {
			return fmt.Errorf("resources.%s: %w", w.Field, err)
		}
	}
	return nil
}

// enable turns controllers on in dir's cgroup.subtree_control and
// returns those it newly enabled. A name marked "!" must succeed; others
// may be refused (e.g. cpu while a realtime task runs there). EBUSY is
// the no-internal-process rule and always fails.
func enable(dir string, ctrls []string) ([]string, error) {
	cur, _ := readFile(dir, "cgroup.subtree_control")
	have := strings.Fields(cur)
	var done []string
	for _, c := range ctrls {
		c, required := strings.CutPrefix(c, "!")
		if slices.Contains(have, c) {
			continue
		}
		if err := writeFile(dir, "cgroup.subtree_control", "+"+c); err != nil {
			if !required && !errors.Is(err, unix.EBUSY) {
				continue
			}
			if errors.Is(err, unix.EBUSY) {
				return done, fmt.Errorf("enable %s in %s/cgroup.subtree_control: %w: the cgroup has processes of its own, and cgroup v2 lets only leaves hold processes; choose a parent without processes (--cgroup-parent) or move them to a leaf", c, dir, unix.EBUSY)
			}
			return done, err
		}
		done = append(done, c)
	}
	return done, nil
}

func disable(dir string, ctrls []string) {
	for i := len(ctrls) - 1; i >= 0; i-- {
		_ = writeFile(dir, "cgroup.subtree_control", "-"+ctrls[i])
	}
}

func (m *v2Manager) Update(r *specs.LinuxResources) error {
	h := m.hostV2(filepath.Dir(m.dir))
	writes, err := Plan(r, h)
	if err != nil {
		return fmt.Errorf("update cgroup %s: %w", m.dir, err)
	}
	if err := checkBeforeUpdate(r, m.dir, "memory.current"); err != nil {
		return err
	}
	if err := m.apply(writes); err != nil {
		return fmt.Errorf("update cgroup %s: %w", m.dir, err)
	}
	if err := m.devices(r); err != nil {
		return fmt.Errorf("update cgroup %s: %w", m.dir, err)
	}
	return nil
}

// devices enforces r's device rules with a BPF program (devices.go);
// no rules leaves the current program, or none, in place.
func (m *v2Manager) devices(r *specs.LinuxResources) error {
	if r == nil || len(r.Devices) == 0 {
		return nil
	}
	if err := setDevices(m.dir, r.Devices, m.log); err != nil {
		return fmt.Errorf("resources.devices: %w%s", err, deviceHint(err))
	}
	return nil
}

// checkBeforeUpdate refuses a memory limit below current usage when the
// spec asks for memory.checkBeforeUpdate.
func checkBeforeUpdate(r *specs.LinuxResources, dir, usageFile string) error {
	if r == nil || r.Memory == nil || r.Memory.CheckBeforeUpdate == nil || !*r.Memory.CheckBeforeUpdate ||
		r.Memory.Limit == nil || *r.Memory.Limit <= 0 {
		return nil
	}
	usage := readUint(dir, usageFile)
	if uint64(*r.Memory.Limit) < usage {
		return &FieldError{Field: "memory.limit", Err: ErrInvalidResources,
			Msg: fmt.Sprintf("%d is below the current usage %d and memory.checkBeforeUpdate is set", *r.Memory.Limit, usage)}
	}
	return nil
}

func (m *v2Manager) Frozen() (bool, error) {
	ev := readKV(m.dir, "cgroup.events")
	if _, ok := ev["frozen"]; !ok {
		return false, fmt.Errorf("read %s/cgroup.events: no frozen key (Linux 5.2+ needed)", m.dir)
	}
	return ev["frozen"] == 1, nil
}

func (m *v2Manager) Freeze(ctx context.Context) error { return m.setFrozen(ctx, true) }
func (m *v2Manager) Thaw(ctx context.Context) error   { return m.setFrozen(ctx, false) }

func (m *v2Manager) setFrozen(ctx context.Context, want bool) error {
	v := "0"
	if want {
		v = "1"
	}
	if err := writeFile(m.dir, "cgroup.freeze", v); err != nil {
		return err
	}
	return poll(ctx, "wait for cgroup.events frozen "+v+" in "+m.dir, func() (bool, error) {
		f, err := m.Frozen()
		return f == want, err
	})
}

func (m *v2Manager) Signal(ctx context.Context, sig syscall.Signal) error {
	return freezeSignalThaw(ctx, m, sig)
}

// KillAll uses cgroup.kill (Linux 5.14+), which kills every process
// atomically, forks included; older kernels get the freezer loop.
func (m *v2Manager) KillAll(ctx context.Context) error {
	if !exists(filepath.Join(m.dir, "cgroup.kill")) {
		return killLoop(ctx, m)
	}
	if err := writeFile(m.dir, "cgroup.kill", "1"); err != nil {
		return err
	}
	return poll(ctx, "wait for "+m.dir+" to empty", func() (bool, error) {
		return readKV(m.dir, "cgroup.events")["populated"] == 0, nil
	})
}

func (m *v2Manager) Stats() (*Stats, error) {
	if !exists(m.dir) {
		return nil, fmt.Errorf("stats %s: %w", m.dir, ErrNotExist)
	}
	s := &Stats{}
	s.Memory.Usage = readUint(m.dir, "memory.current")
	s.Memory.MaxUsage = readUint(m.dir, "memory.peak")
	lim, _ := readFile(m.dir, "memory.max")
	s.Memory.Limit = parseLimit(lim)
	ev := readKV(m.dir, "memory.events")
	s.Memory.OOMKills, s.Memory.LimitHits = ev["oom_kill"], ev["max"]
	s.CPU = cpuV2(readKV(m.dir, "cpu.stat"))
	s.Pids.Current = readUint(m.dir, "pids.current")
	pl, _ := readFile(m.dir, "pids.max")
	s.Pids.Limit = parseLimit(pl)
	if f, err := os.Open(filepath.Join(m.dir, "io.stat")); err == nil {
		s.IO = parseIOStatV2(f)
		f.Close()
	}
	return s, nil
}
