package cgroups

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Write is one step of a plan: write Value to File in the container's
// directory of Controller. On cgroup v1 the controller picks the
// hierarchy (/sys/fs/cgroup/<controller>/...); on v2 every write goes to
// the one directory and Controller only says which controller must be
// enabled.
type Write struct {
	Field      string // OCI field below linux.resources, e.g. "memory.limit"
	Controller string // memory, cpu, cpuset, pids, blkio, io, hugetlb, rdma, ...
	File       string // e.g. memory.max, memory.limit_in_bytes
	Value      string
}

func (w Write) String() string {
	return fmt.Sprintf("%s/%s=%q (%s)", w.Controller, w.File, w.Value, w.Field)
}

// Host is what a plan is checked against: which controllers the new
// cgroup can use and what the parent allows. hostInfo fills it from the
// machine; tests build it by hand.
type Host struct {
	Mode Mode
	// Controllers usable for the new cgroup: v1 mounted hierarchies, or
	// the v2 parent's cgroup.controllers.
	Controllers map[string]bool
	// Elsewhere says, per controller, why it is not usable ("bound to the
	// cgroup2 hierarchy at /sys/fs/cgroup/unified").
	Elsewhere map[string]string
	// Where names the place Controllers came from, for messages.
	Where string
	// CPUs and Mems the parent allows (kernel list format); "" skips checks.
	CPUs, Mems string
	// HugePageSizes the kernel offers ("2MB", "1GB"); nil skips the check.
	HugePageSizes []string
	// Files present on a v1 host for optional features (swap accounting,
	// blkio weights, cpu burst/idle). nil skips the checks.
	Files map[string]bool
}

// Plan turns OCI resources into the ordered writes that apply them on h,
// or explains every field h cannot apply. It never touches the machine.
func Plan(r *specs.LinuxResources, h Host) ([]Write, error) {
	p := &planner{h: h}
	if r != nil {
		if h.Mode.V2() {
			p.v2(r)
		} else {
			p.v1(r)
		}
	}
	p.checkControllers()
	switch len(p.errs) {
	case 0:
		return p.writes, nil
	case 1:
		return nil, p.errs[0]
	}
	return nil, errors.Join(p.errs...)
}

type planner struct {
	h      Host
	writes []Write
	errs   []error
}

func (p *planner) add(field, ctrl, file, value string) {
	p.writes = append(p.writes, Write{Field: field, Controller: ctrl, File: file, Value: value})
}

func (p *planner) fail(field, format string, a ...any) {
	p.errs = append(p.errs, &FieldError{Field: field, Msg: fmt.Sprintf(format, a...), Err: ErrInvalidResources})
}

// v1 plans a cgroup v1 (legacy or hybrid) host.
func (p *planner) v1(r *specs.LinuxResources) {
	if r.Memory != nil {
		p.memoryV1(r.Memory)
	}
	if r.CPU != nil {
		p.cpuV1(r.CPU)
		p.cpuset(r.CPU)
	}
	p.pids(r.Pids)
	if r.BlockIO != nil {
		p.blkioV1(r.BlockIO)
	}
	p.hugetlb(r.HugepageLimits, "limit_in_bytes")
	p.network(r.Network)
	p.rdma(r.Rdma)
	p.devicesV1(r.Devices)
	if len(r.Unified) > 0 {
		p.fail("unified", "needs cgroup v2, this host is %s (cgroup v1 controllers); use the memory, cpu, pids, blockIO fields instead", p.h.Mode)
	}
}

// v2 plans a cgroup v2 (unified) host.
func (p *planner) v2(r *specs.LinuxResources) {
	if r.Memory != nil {
		p.memoryV2(r.Memory)
	}
	if r.CPU != nil {
		p.cpuV2(r.CPU)
		p.cpuset(r.CPU)
	}
	p.pids(r.Pids)
	if r.BlockIO != nil {
		p.ioV2(r.BlockIO)
	}
	p.hugetlb(r.HugepageLimits, "max")
	p.network(r.Network)
	p.rdma(r.Rdma)
	p.devicesV2(r.Devices)
	p.unified(r.Unified)
}

// bytes formats a memory amount; -1 is unlimited, 0 unset.
func (p *planner) bytes(field string, v int64, unlimited string) (string, bool) {
	switch {
	case v == 0:
		return "", false
	case v == -1:
		return unlimited, true
	case v < -1:
		p.fail(field, "%d: want -1 (unlimited) or a number of bytes", v)
		return "", false
	}
	return strconv.FormatInt(v, 10), true
}

func (p *planner) memoryV1(m *specs.LinuxMemory) {
	if m.Limit != nil {
		if v, ok := p.bytes("memory.limit", *m.Limit, "-1"); ok {
			p.add("memory.limit", "memory", "memory.limit_in_bytes", v)
		}
	}
	if m.Reservation != nil {
		if v, ok := p.bytes("memory.reservation", *m.Reservation, "-1"); ok {
			p.add("memory.reservation", "memory", "memory.soft_limit_in_bytes", v)
		}
	}
	if m.Swap != nil && *m.Swap != 0 {
		p.swapV1(*m.Swap, m.Limit)
	}
	if m.KernelTCP != nil && *m.KernelTCP != 0 {
		if p.needFile("memory.kernelTCP", "memory.kmem.tcp.limit_in_bytes", "this kernel has no TCP kernel-memory accounting") {
			if v, ok := p.bytes("memory.kernelTCP", *m.KernelTCP, "-1"); ok {
				p.add("memory.kernelTCP", "memory", "memory.kmem.tcp.limit_in_bytes", v)
			}
		}
	}
	if m.Swappiness != nil {
		if *m.Swappiness > 100 {
			p.fail("memory.swappiness", "%d: want 0 to 100", *m.Swappiness)
		} else {
			p.add("memory.swappiness", "memory", "memory.swappiness", strconv.FormatUint(*m.Swappiness, 10))
		}
	}
	if m.DisableOOMKiller != nil && *m.DisableOOMKiller {
		p.add("memory.disableOOMKiller", "memory", "memory.oom_control", "1")
	}
}

// swapV1: memory.memsw.limit_in_bytes is memory+swap, exactly OCI's swap.
func (p *planner) swapV1(swap int64, limit *int64) {
	const f = "memory.swap"
	if !p.needFile(f, "memory.memsw.limit_in_bytes", "this kernel has no swap accounting (boot with swapaccount=1)") {
		return
	}
	if swap > 0 && (limit == nil || *limit <= 0) {
		p.fail(f, "%d: a swap limit needs memory.limit (swap is the memory+swap total)", swap)
		return
	}
	if swap > 0 && swap < *limit {
		p.fail(f, "%d is below memory.limit %d: swap is the memory+swap total, so it must be >= memory.limit (set it equal for no swap)", swap, *limit)
		return
	}
	if v, ok := p.bytes(f, swap, "-1"); ok {
		p.add(f, "memory", "memory.memsw.limit_in_bytes", v)
	}
}

func (p *planner) memoryV2(m *specs.LinuxMemory) {
	if m.Limit != nil {
		if v, ok := p.bytes("memory.limit", *m.Limit, "max"); ok {
			p.add("memory.limit", "memory", "memory.max", v)
		}
	}
	if m.Reservation != nil {
		if v, ok := p.bytes("memory.reservation", *m.Reservation, "max"); ok {
			p.add("memory.reservation", "memory", "memory.low", v)
		}
	}
	if m.Swap != nil && *m.Swap != 0 {
		var limit int64
		if m.Limit != nil {
			limit = *m.Limit
		}
		s, err := swapV2(*m.Swap, limit)
		switch {
		case err != nil:
			p.fail("memory.swap", "%v", err)
		case s == -1:
			p.add("memory.swap", "memory", "memory.swap.max", "max")
		default:
			p.add("memory.swap", "memory", "memory.swap.max", strconv.FormatInt(s, 10))
		}
	}
	if m.KernelTCP != nil && *m.KernelTCP != 0 {
		p.fail("memory.kernelTCP", "not supported by cgroup v2 (TCP memory is part of memory.max); remove it")
	}
	if m.Swappiness != nil {
		p.fail("memory.swappiness", "not supported by cgroup v2; remove it")
	}
	if m.DisableOOMKiller != nil && *m.DisableOOMKiller {
		p.fail("memory.disableOOMKiller", "not supported by cgroup v2; remove it")
	}
}

func (p *planner) cpuV1(c *specs.LinuxCPU) {
	if c.Shares != nil && *c.Shares != 0 {
		if p.shares(*c.Shares) {
			p.add("cpu.shares", "cpu", "cpu.shares", strconv.FormatUint(*c.Shares, 10))
		}
	}
	if c.Period != nil && *c.Period != 0 && p.period(*c.Period) {
		p.add("cpu.period", "cpu", "cpu.cfs_period_us", strconv.FormatUint(*c.Period, 10))
	}
	if c.Quota != nil && *c.Quota != 0 && p.quota(*c.Quota) {
		p.add("cpu.quota", "cpu", "cpu.cfs_quota_us", strconv.FormatInt(max(*c.Quota, -1), 10))
	}
	if c.Burst != nil && p.needFile("cpu.burst", "cpu.cfs_burst_us", "this kernel has no CFS burst (Linux 5.14+)") {
		p.add("cpu.burst", "cpu", "cpu.cfs_burst_us", strconv.FormatUint(*c.Burst, 10))
	}
	if c.RealtimePeriod != nil && *c.RealtimePeriod != 0 {
		p.add("cpu.realtimePeriod", "cpu", "cpu.rt_period_us", strconv.FormatUint(*c.RealtimePeriod, 10))
	}
	if c.RealtimeRuntime != nil && *c.RealtimeRuntime != 0 {
		p.add("cpu.realtimeRuntime", "cpu", "cpu.rt_runtime_us", strconv.FormatInt(*c.RealtimeRuntime, 10))
	}
	if c.Idle != nil && p.idle(*c.Idle) && p.needFile("cpu.idle", "cpu.idle", "this kernel has no SCHED_IDLE cgroups (Linux 5.15+)") {
		p.add("cpu.idle", "cpu", "cpu.idle", strconv.FormatInt(*c.Idle, 10))
	}
}

func (p *planner) cpuV2(c *specs.LinuxCPU) {
	if c.Shares != nil && *c.Shares != 0 && p.shares(*c.Shares) {
		p.add("cpu.shares", "cpu", "cpu.weight", strconv.FormatUint(SharesToWeight(*c.Shares), 10))
	}
	okQ := c.Quota == nil || *c.Quota == 0 || p.quota(*c.Quota)
	okP := c.Period == nil || *c.Period == 0 || p.period(*c.Period)
	set := (c.Quota != nil && *c.Quota != 0) || (c.Period != nil && *c.Period != 0)
	if set && okQ && okP {
		p.add("cpu.quota", "cpu", "cpu.max", cpuMax(c.Quota, c.Period))
	}
	if c.Burst != nil {
		p.add("cpu.burst", "cpu", "cpu.max.burst", strconv.FormatUint(*c.Burst, 10))
	}
	if (c.RealtimePeriod != nil && *c.RealtimePeriod != 0) || (c.RealtimeRuntime != nil && *c.RealtimeRuntime != 0) {
		p.fail("cpu.realtimeRuntime", "realtime CPU budgets are not supported by cgroup v2; remove realtimeRuntime and realtimePeriod")
	}
	if c.Idle != nil && p.idle(*c.Idle) {
		p.add("cpu.idle", "cpu", "cpu.idle", strconv.FormatInt(*c.Idle, 10))
	}
}

func (p *planner) shares(s uint64) bool {
	if s < 2 || s > 262144 {
		p.fail("cpu.shares", "%d: want 2 to 262144 (1024 is the default)", s)
		return false
	}
	return true
}

func (p *planner) period(v uint64) bool {
	if v < 1000 || v > 1000000 {
		p.fail("cpu.period", "%d: want 1000 to 1000000 microseconds (100000 is the default)", v)
		return false
	}
	return true
}

func (p *planner) quota(v int64) bool {
	if v != -1 && v < 1000 {
		p.fail("cpu.quota", "%d: want -1 (no limit) or at least 1000 microseconds per period", v)
		return false
	}
	return true
}

func (p *planner) idle(v int64) bool {
	if v != 0 && v != 1 {
		p.fail("cpu.idle", "%d: want 0 or 1", v)
		return false
	}
	return true
}

// cpuset checks cpus and mems against what the parent allows.
func (p *planner) cpuset(c *specs.LinuxCPU) {
	if c.Cpus != "" && p.inList("cpu.cpus", "CPU", c.Cpus, p.h.CPUs) {
		p.add("cpu.cpus", "cpuset", "cpuset.cpus", c.Cpus)
	}
	if c.Mems != "" && p.inList("cpu.mems", "memory node", c.Mems, p.h.Mems) {
		p.add("cpu.mems", "cpuset", "cpuset.mems", c.Mems)
	}
}

func (p *planner) inList(field, what, want, allowed string) bool {
	set, err := parseList(want)
	if err != nil {
		p.fail(field, "%v; want a list such as 0-3,5", err)
		return false
	}
	if len(set) == 0 {
		p.fail(field, "%q: empty list", want)
		return false
	}
	if allowed == "" {
		return true
	}
	ok, err := parseList(allowed)
	if err != nil {
		return true
	}
	if miss := set.missing(ok); len(miss) > 0 {
		p.fail(field, "%q: %s %v not available; this host allows %s", want, what, miss, allowed)
		return false
	}
	return true
}

func (p *planner) pids(pl *specs.LinuxPids) {
	if pl == nil || pl.Limit == nil {
		return
	}
	v := "max"
	if *pl.Limit > 0 {
		v = strconv.FormatInt(*pl.Limit, 10)
	}
	p.add("pids.limit", "pids", "pids.max", v)
}

func (p *planner) blkioV1(b *specs.LinuxBlockIO) {
	weightFile := p.blkioWeightFile()
	if b.Weight != nil && *b.Weight != 0 && p.blkioWeight("blockIO.weight", *b.Weight, weightFile) {
		p.add("blockIO.weight", "blkio", weightFile, strconv.Itoa(int(*b.Weight)))
	}
	if b.LeafWeight != nil && *b.LeafWeight != 0 && p.blkioWeight("blockIO.leafWeight", *b.LeafWeight, "blkio.leaf_weight") {
		p.add("blockIO.leafWeight", "blkio", "blkio.leaf_weight", strconv.Itoa(int(*b.LeafWeight)))
	}
	for i, d := range b.WeightDevice {
		f := fmt.Sprintf("blockIO.weightDevice[%d]", i)
		if d.Weight != nil && p.device(f, d.LinuxBlockIODevice) && p.blkioWeight(f, *d.Weight, weightFile) {
			p.add(f, "blkio", weightFile+"_device", fmt.Sprintf("%d:%d %d", d.Major, d.Minor, *d.Weight))
		}
	}
	p.throttles("blockIO.throttleReadBpsDevice", b.ThrottleReadBpsDevice, "blkio.throttle.read_bps_device", "")
	p.throttles("blockIO.throttleWriteBpsDevice", b.ThrottleWriteBpsDevice, "blkio.throttle.write_bps_device", "")
	p.throttles("blockIO.throttleReadIOPSDevice", b.ThrottleReadIOPSDevice, "blkio.throttle.read_iops_device", "")
	p.throttles("blockIO.throttleWriteIOPSDevice", b.ThrottleWriteIOPSDevice, "blkio.throttle.write_iops_device", "")
}

// blkioWeightFile: CFQ's blkio.weight, else BFQ's blkio.bfq.weight.
func (p *planner) blkioWeightFile() string {
	if p.h.Files != nil && !p.h.Files["blkio.weight"] && p.h.Files["blkio.bfq.weight"] {
		return "blkio.bfq.weight"
	}
	return "blkio.weight"
}

func (p *planner) blkioWeight(field string, w uint16, file string) bool {
	if w < 10 || w > 1000 {
		p.fail(field, "%d: want 10 to 1000", w)
		return false
	}
	return p.needFile(field, file, "the block devices' I/O scheduler has no weights (CFQ or BFQ needed)")
}

func (p *planner) device(field string, d specs.LinuxBlockIODevice) bool {
	if d.Major < 0 || d.Minor < 0 {
		p.fail(field, "device %d:%d: major and minor must be >= 0", d.Major, d.Minor)
		return false
	}
	return true
}

// throttles adds one write per device. v2 (key != "") writes io.max
// "MAJ:MIN key=rate", 0 meaning no limit; v1 writes "MAJ:MIN rate", 0
// removing the rule.
func (p *planner) throttles(field string, ds []specs.LinuxThrottleDevice, file, key string) {
	for i, d := range ds {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !p.device(f, d.LinuxBlockIODevice) {
			continue
		}
		if key == "" {
			p.add(f, "blkio", file, fmt.Sprintf("%d:%d %d", d.Major, d.Minor, d.Rate))
			continue
		}
		rate := strconv.FormatUint(d.Rate, 10)
		if d.Rate == 0 {
			rate = "max"
		}
		p.add(f, "io", file, fmt.Sprintf("%d:%d %s=%s", d.Major, d.Minor, key, rate))
	}
}

func (p *planner) ioV2(b *specs.LinuxBlockIO) {
	if b.Weight != nil && *b.Weight != 0 {
		if *b.Weight < 10 || *b.Weight > 1000 {
			p.fail("blockIO.weight", "%d: want 10 to 1000", *b.Weight)
		} else {
			p.add("blockIO.weight", "io", "io.weight", "default "+strconv.FormatUint(BlkioWeightToIOWeight(*b.Weight), 10))
		}
	}
	if b.LeafWeight != nil && *b.LeafWeight != 0 {
		p.fail("blockIO.leafWeight", "not supported by cgroup v2; remove it")
	}
	for i, d := range b.WeightDevice {
		f := fmt.Sprintf("blockIO.weightDevice[%d]", i)
		if d.Weight == nil || !p.device(f, d.LinuxBlockIODevice) {
			continue
		}
		if *d.Weight < 10 || *d.Weight > 1000 {
			p.fail(f, "%d: want 10 to 1000", *d.Weight)
			continue
		}
		p.add(f, "io", "io.weight", fmt.Sprintf("%d:%d %d", d.Major, d.Minor, BlkioWeightToIOWeight(*d.Weight)))
	}
	p.throttles("blockIO.throttleReadBpsDevice", b.ThrottleReadBpsDevice, "io.max", "rbps")
	p.throttles("blockIO.throttleWriteBpsDevice", b.ThrottleWriteBpsDevice, "io.max", "wbps")
	p.throttles("blockIO.throttleReadIOPSDevice", b.ThrottleReadIOPSDevice, "io.max", "riops")
	p.throttles("blockIO.throttleWriteIOPSDevice", b.ThrottleWriteIOPSDevice, "io.max", "wiops")
}

// hugetlb writes hugetlb.<size>.<suffix> for each page size.
func (p *planner) hugetlb(limits []specs.LinuxHugepageLimit, suffix string) {
	for i, l := range limits {
		f := fmt.Sprintf("hugepageLimits[%d]", i)
		size, err := hugePageSize(l.Pagesize)
		if err != nil {
			p.fail(f, "pageSize %v", err)
			continue
		}
		if p.h.HugePageSizes != nil && !contains(p.h.HugePageSizes, size) {
			p.fail(f, "pageSize %s: not offered by this kernel; it has %s", size, strings.Join(p.h.HugePageSizes, ", "))
			continue
		}
		p.add(f, "hugetlb", "hugetlb."+size+"."+suffix, strconv.FormatUint(l.Limit, 10))
	}
}

func (p *planner) network(n *specs.LinuxNetwork) {
	if n != nil && (n.ClassID != nil || len(n.Priorities) > 0) {
		p.fail("network", "net_cls/net_prio are not supported by skiff (and do not exist in cgroup v2); remove it")
	}
}

func (p *planner) rdma(r map[string]specs.LinuxRdma) {
	for _, dev := range sortedKeys(r) {
		l := r[dev]
		var parts []string
		if l.HcaHandles != nil {
			parts = append(parts, fmt.Sprintf("hca_handle=%d", *l.HcaHandles))
		}
		if l.HcaObjects != nil {
			parts = append(parts, fmt.Sprintf("hca_object=%d", *l.HcaObjects))
		}
		if len(parts) > 0 {
			p.add("rdma["+dev+"]", "rdma", "rdma.max", dev+" "+strings.Join(parts, " "))
		}
	}
}

// managed are interface files skiff itself drives; unified may not touch them.
var managed = map[string]bool{"cgroup.procs": true, "cgroup.threads": true, "cgroup.subtree_control": true,
	"cgroup.kill": true, "cgroup.freeze": true, "cgroup.type": true}

// unified passes v2 files through. Keys are "<controller>.<file>"; the
// controller must be available. They are written last, so they win.
func (p *planner) unified(u map[string]string) {
	for _, k := range sortedKeys(u) {
		f := "unified[" + k + "]"
		ctrl, _, ok := strings.Cut(k, ".")
		switch {
		case !ok || ctrl == "" || strings.ContainsAny(k, "/\x00") || strings.HasSuffix(k, "."):
			p.fail(f, "want a cgroup v2 file name such as memory.high")
		case managed[k]:
			p.fail(f, "skiff manages %s itself; remove it", k)
		default:
			p.add(f, ctrl, k, u[k])
		}
	}
}

// needFile reports whether an optional v1 file exists, failing field if not.
func (p *planner) needFile(field, file, why string) bool {
	if p.h.Files == nil || p.h.Files[file] {
		return true
	}
	p.fail(field, "%s (no %s); remove it", why, file)
	return false
}

// checkControllers fails every write whose controller the host lacks.
func (p *planner) checkControllers() {
	seen := map[string]bool{}
	for _, w := range p.writes {
		if w.Controller == "cgroup" || p.h.Controllers == nil || p.h.Controllers[w.Controller] || seen[w.Field] {
			continue
		}
		seen[w.Field] = true
		p.errs = append(p.errs, &FieldError{Field: w.Field, Err: ErrControllerMissing, Msg: p.h.missingMsg(w.Controller)})
	}
}

// missingMsg explains where a controller is, for both versions.
func (h Host) missingMsg(ctrl string) string {
	msg := fmt.Sprintf("needs the %s controller, not offered by %s (offered: %s)", ctrl, h.Where, strings.Join(sortedKeys(h.Controllers), " "))
	if e := h.Elsewhere[ctrl]; e != "" {
		msg += "; " + ctrl + " is " + e
	} else if h.Mode.V2() {
		msg += fmt.Sprintf("; the parent cgroup must delegate it (echo +%s > PARENT/cgroup.subtree_control)", ctrl)
	}
	return msg
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// needed marks the controllers the writes use as required ("!cpu");
// the rest are enabled when the kernel agrees, for accounting.
func needed(ctrls []string, writes []Write) []string {
	out := slices.Clone(ctrls)
	for i, c := range out {
		if slices.ContainsFunc(writes, func(w Write) bool { return w.Controller == c }) {
			out[i] = "!" + c
		}
	}
	return out
}

// orderMemoryV1: the kernel keeps memory <= memsw at every moment, so a
// rising memsw must be written before the memory limit, a falling one
// after. curMemsw is the current memsw limit (0 = unlimited).
func orderMemoryV1(writes []Write, curMemsw uint64) []Write {
	mem, sw := -1, -1
	for i, w := range writes {
		switch w.File {
		case "memory.limit_in_bytes":
			mem = i
		case "memory.memsw.limit_in_bytes":
			sw = i
		}
	}
	if mem < 0 || sw < 0 || sw < mem {
		return writes
	}
	newSw := parseLimit(writes[sw].Value)
	if curMemsw != 0 && (newSw == 0 || newSw > curMemsw) {
		out := slices.Clone(writes)
		out[mem], out[sw] = out[sw], out[mem]
		return out
	}
	return writes
}

// devicesV1 writes the device access rules in order, each to
// devices.allow or devices.deny ("c 1:3 rwm", "a *:* rwm"). Cgroup v2 has
// no such files: there the same rules become an eBPF program
// (devices.go), which the v2 manager attaches after the writes.
func (p *planner) devicesV1(rules []specs.LinuxDeviceCgroup) {
	for i, d := range rules {
		field := fmt.Sprintf("devices[%d]", i)
		v, err := DeviceRule(d)
		if err != nil {
			p.fail(field, "%v", err)
			continue
		}
		file := "devices.deny"
		if d.Allow {
			file = "devices.allow"
		}
		p.add(field, "devices", file, v)
	}
}

// devicesV2 only checks the rules: on cgroup v2 they are no file writes
// but a BPF program (DeviceProgram), attached once the cgroup exists.
func (p *planner) devicesV2(rules []specs.LinuxDeviceCgroup) {
	for i, d := range rules {
		if _, err := parseDeviceRule(d); err != nil {
			p.fail(fmt.Sprintf("devices[%d]", i), "%v", err)
		}
	}
}
