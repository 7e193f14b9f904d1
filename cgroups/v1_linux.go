package cgroups

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// v1Manager drives one directory per v1 hierarchy, e.g.
// /sys/fs/cgroup/memory/skiff/abc and /sys/fs/cgroup/cpu/skiff/abc.
type v1Manager struct {
	dirs   map[string]string // controller -> the container's directory in it
	layout *layout
	mode   Mode
	log    *slog.Logger
}

func (m *v1Manager) Mode() Mode { return m.mode }

func (m *v1Manager) Paths() map[string]string {
	out := make(map[string]string, len(m.dirs))
	for c, d := range m.dirs {
		out[c] = d
	}
	return out
}

func (m *v1Manager) CgroupFD() (*os.File, error) { return nil, ErrNoCgroupFD }

// uniqueDirs lists each directory once (co-mounted cpu,cpuacct share one).
func (m *v1Manager) uniqueDirs() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range sortedKeys(m.dirs) {
		if d := m.dirs[c]; !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

func (m *v1Manager) Exists() bool {
	for _, d := range m.dirs {
		if exists(d) {
			return true
		}
	}
	return false
}

// hostV1 describes the mounted v1 controllers and optional files.
func (m *v1Manager) hostV1() Host {
	h := Host{Mode: m.mode, Controllers: map[string]bool{}, Elsewhere: map[string]string{},
		Where: "this host's cgroup v1 mounts", HugePageSizes: hugePageSizes(), Files: map[string]bool{}}
	for c := range m.dirs {
		h.Controllers[c] = true
	}
	if m.layout != nil {
		for _, c := range m.layout.V2Bound {
			h.Elsewhere[c] = "bound to the cgroup2 hierarchy at " + m.layout.V2.Point + " on this hybrid host, which the v1 manager does not use"
		}
	}
	for c, hier := range procCgroups() {
		if _, ok := h.Elsewhere[c]; !ok && hier == "0" && !h.Controllers[c] {
			h.Elsewhere[c] = "compiled into the kernel but not mounted (mount -t cgroup -o " + c + " cgroup /sys/fs/cgroup/" + c + ")"
		}
	}
	m.optionalFiles(h.Files)
	h.CPUs, h.Mems = onlineCPUs(), ""
	if d, ok := m.dirs["cpuset"]; ok {
		base := deepestExisting(d)
		if s, _ := readFile(base, "cpuset.effective_cpus"); s != "" {
			h.CPUs = s
		}
		h.Mems, _ = readFile(base, "cpuset.effective_mems")
	}
	return h
}

// optionalFiles records which feature files the hierarchies offer.
func (m *v1Manager) optionalFiles(files map[string]bool) {
	want := map[string][]string{
		"memory": {"memory.memsw.limit_in_bytes", "memory.kmem.tcp.limit_in_bytes"},
		"cpu":    {"cpu.cfs_burst_us", "cpu.idle"},
		"blkio":  {"blkio.weight", "blkio.bfq.weight", "blkio.leaf_weight"},
	}
	for c, names := range want {
		mnt := m.layout.V1[c]
		if mnt == nil {
			continue
		}
		for _, n := range names {
			files[n] = exists(filepath.Join(mnt.Point, n))
		}
	}
}

// Create plans, makes the directory in every hierarchy and writes.
func (m *v1Manager) Create(r *specs.LinuxResources) error {
	for _, d := range m.uniqueDirs() {
		if exists(d) {
			return fmt.Errorf("create cgroup %s: %w", d, ErrExist)
		}
	}
	writes, err := Plan(r, m.hostV1())
	if err != nil {
		return fmt.Errorf("create cgroup %s: %w", m.name(), err)
	}
	var created []string
	undo := func(err error) error {
		rmdirs(created)
		return fmt.Errorf("create cgroup %s: %w", m.name(), err)
	}
	for _, d := range m.uniqueDirs() {
		c, err := mkdirs(d)
		created = append(created, c...)
		if err != nil {
			return undo(err)
		}
		if d == m.dirs["cpuset"] {
			if err := inheritCpuset(c); err != nil {
				return undo(err)
			}
		}
	}
	if err := m.apply(writes); err != nil {
		return undo(err)
	}
	return nil
}

// name is a short label for errors: the memory directory, or any.
func (m *v1Manager) name() string {
	if d, ok := m.dirs["memory"]; ok {
		return d
	}
	for _, d := range m.uniqueDirs() {
		return d
	}
	return "(no v1 controllers)"
}

// inheritCpuset: a new v1 cpuset starts with empty cpus and mems, and a
// process cannot join it until they are set; copy them from the parent.
func inheritCpuset(created []string) error {
	for _, d := range created {
		for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
			if cur, _ := readFile(d, f); cur != "" {
				continue
			}
			v, err := readFile(filepath.Dir(d), f)
			if err != nil {
				return fmt.Errorf("read parent %s: %w", f, err)
			}
			if err := writeFile(d, f, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *v1Manager) apply(writes []Write) error {
	for _, w := range writes {
		dir, ok := m.dirs[w.Controller]
		if !ok {
			return &FieldError{Field: w.Field, Err: ErrControllerMissing, Msg: m.hostV1().missingMsg(w.Controller)}
		}
		m.log.Debug("cgroup write", "dir", dir, "file", w.File, "value", w.Value, "field", w.Field)
		if err := writeFile(dir, w.File, w.Value); err != nil {
			return fmt.Errorf("resources.%s: %w", w.Field, err)
		}
	}
	return nil
}

// Apply writes pid into cgroup.procs of every hierarchy.
func (m *v1Manager) Apply(pid int) error {
	for _, d := range m.uniqueDirs() {
		if err := writeFile(d, "cgroup.procs", strconv.Itoa(pid)); err != nil {
			return err
		}
	}
	return nil
}

func (m *v1Manager) Update(r *specs.LinuxResources) error {
	writes, err := Plan(r, m.hostV1())
	if err != nil {
		return fmt.Errorf("update cgroup %s: %w", m.name(), err)
	}
	if d, ok := m.dirs["memory"]; ok {
		if err := checkBeforeUpdate(r, d, "memory.usage_in_bytes"); err != nil {
			return err
		}
		cur, _ := readFile(d, "memory.memsw.limit_in_bytes")
		writes = orderMemoryV1(writes, parseLimit(cur))
	}
	if err := m.apply(writes); err != nil {
		return fmt.Errorf("update cgroup %s: %w", m.name(), err)
	}
	return nil
}

func (m *v1Manager) freezerDir() (string, error) {
	d, ok := m.dirs["freezer"]
	if !ok {
		h := m.hostV1()
		return "", &FieldError{Field: "(freeze)", Err: ErrControllerMissing, Msg: h.missingMsg("freezer")}
	}
	return d, nil
}

func (m *v1Manager) Frozen() (bool, error) {
	d, err := m.freezerDir()
	if err != nil {
		return false, err
	}
	s, err := readFile(d, "freezer.state")
	if err != nil {
		return false, fmt.Errorf("read %s/freezer.state: %w", d, unwrapPath(err))
	}
	return s == "FROZEN", nil
}

func (m *v1Manager) Freeze(ctx context.Context) error { return m.setState(ctx, "FROZEN") }
func (m *v1Manager) Thaw(ctx context.Context) error   { return m.setState(ctx, "THAWED") }

// setState writes freezer.state and waits for it; FREEZING means some
// task has not stopped yet, so the write is repeated until it sticks.
func (m *v1Manager) setState(ctx context.Context, want string) error {
	d, err := m.freezerDir()
	if err != nil {
		return err
	}
	return poll(ctx, "wait for "+d+"/freezer.state "+want, func() (bool, error) {
		if err := writeFile(d, "freezer.state", want); err != nil {
			return false, err
		}
		s, err := readFile(d, "freezer.state")
		return s == want, err
	})
}

func (m *v1Manager) Signal(ctx context.Context, sig syscall.Signal) error {
	return freezeSignalThaw(ctx, m, sig)
}

func (m *v1Manager) KillAll(ctx context.Context) error { return killLoop(ctx, m) }

// PIDs reads the freezer (or pids, or any) hierarchy: every hierarchy
// holds the same processes after Apply.
func (m *v1Manager) PIDs() ([]int, error) {
	for _, c := range []string{"freezer", "pids", "memory"} {
		if d, ok := m.dirs[c]; ok {
			return readPids(d)
		}
	}
	for _, d := range m.uniqueDirs() {
		return readPids(d)
	}
	return nil, nil
}

func (m *v1Manager) Destroy(ctx context.Context) error {
	var errs []error
	for _, d := range m.uniqueDirs() {
		if err := removeTree(ctx, d); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

func (m *v1Manager) Stats() (*Stats, error) {
	if !m.Exists() {
		return nil, fmt.Errorf("stats %s: %w", m.name(), ErrNotExist)
	}
	s := &Stats{}
	if d, ok := m.dirs["memory"]; ok {
		s.Memory.Usage = readUint(d, "memory.usage_in_bytes")
		s.Memory.MaxUsage = readUint(d, "memory.max_usage_in_bytes")
		lim, _ := readFile(d, "memory.limit_in_bytes")
		s.Memory.Limit = parseLimit(lim)
		s.Memory.OOMKills = readKV(d, "memory.oom_control")["oom_kill"]
		s.Memory.LimitHits = readUint(d, "memory.failcnt")
	}
	if d, ok := m.dirs["cpuacct"]; ok {
		s.CPU = cpuV1(readUint(d, "cpuacct.usage"), readKV(d, "cpuacct.stat"), nil)
	}
	if d, ok := m.dirs["cpu"]; ok {
		st := readKV(d, "cpu.stat")
		s.CPU.Periods, s.CPU.ThrottledPeriods, s.CPU.ThrottledNanos = st["nr_periods"], st["nr_throttled"], st["throttled_time"]
	}
	if d, ok := m.dirs["pids"]; ok {
		s.Pids.Current = readUint(d, "pids.current")
		pl, _ := readFile(d, "pids.max")
		s.Pids.Limit = parseLimit(pl)
	}
	if d, ok := m.dirs["blkio"]; ok {
		s.IO = blkioStats(d)
	}
	return s, nil
}

func blkioStats(d string) IOStats {
	var s IOStats
	if f, err := os.Open(filepath.Join(d, "blkio.throttle.io_service_bytes_recursive")); err == nil {
		s.ReadBytes, s.WriteBytes = parseBlkioV1(f)
		f.Close()
	}
	if f, err := os.Open(filepath.Join(d, "blkio.throttle.io_serviced_recursive")); err == nil {
		s.ReadOps, s.WriteOps = parseBlkioV1(f)
		f.Close()
	}
	return s
}
