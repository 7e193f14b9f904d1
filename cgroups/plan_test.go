package cgroups

import (
	"errors"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func i64(v int64) *int64   { return &v }
func u64(v uint64) *uint64 { return &v }
func u16(v uint16) *uint16 { return &v }
func u32(v uint32) *uint32 { return &v }
func boolp(v bool) *bool   { return &v }

var v1Host = Host{
	Mode: Hybrid, Where: "the v1 mounts",
	Controllers:   map[string]bool{"cpu": true, "cpuacct": true, "cpuset": true, "memory": true, "pids": true, "blkio": true, "freezer": true, "devices": true},
	Elsewhere:     map[string]string{"hugetlb": "bound to the cgroup2 hierarchy at /sys/fs/cgroup/unified"},
	CPUs:          "0-1",
	Mems:          "0",
	HugePageSizes: []string{"2MB", "1GB"},
	Files: map[string]bool{"memory.memsw.limit_in_bytes": true, "cpu.cfs_burst_us": true, "cpu.idle": true,
		"blkio.bfq.weight": true, "memory.kmem.tcp.limit_in_bytes": true},
}

var v2Host = Host{
	Mode: Unified, Where: "/sys/fs/cgroup/cgroup.controllers",
	Controllers:   map[string]bool{"cpuset": true, "cpu": true, "io": true, "memory": true, "hugetlb": true, "pids": true},
	CPUs:          "0-3",
	Mems:          "0",
	HugePageSizes: []string{"2MB"},
}

// got renders writes as "file=value" lines for comparison.
func got(ws []Write) string {
	var b []string
	for _, w := range ws {
		b = append(b, w.File+"="+w.Value)
	}
	return strings.Join(b, "\n")
}

func TestPlanWrites(t *testing.T) {
	tests := []struct {
		name string
		host Host
		r    *specs.LinuxResources
		want string
	}{
		{"nil resources", v2Host, nil, ""},
		{"v1 memory", v1Host, &specs.LinuxResources{Memory: &specs.LinuxMemory{
			Limit: i64(100), Reservation: i64(50), Swap: i64(300), Swappiness: u64(10), DisableOOMKiller: boolp(true)}},
			"memory.limit_in_bytes=100\nmemory.soft_limit_in_bytes=50\nmemory.memsw.limit_in_bytes=300\nmemory.swappiness=10\nmemory.oom_control=1"},
		{"v2 memory: swap.max is swap alone", v2Host, &specs.LinuxResources{Memory: &specs.LinuxMemory{
			Limit: i64(100), Reservation: i64(50), Swap: i64(300)}},
			"memory.max=100\nmemory.low=50\nmemory.swap.max=200"},
		{"v2 memory unlimited", v2Host, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-1), Swap: i64(-1)}},
			"memory.max=max\nmemory.swap.max=max"},
		{"v1 memory unlimited", v1Host, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-1), Swap: i64(-1)}},
			"memory.limit_in_bytes=-1\nmemory.memsw.limit_in_bytes=-1"},
		{"v2 swap equal to limit means no swap", v2Host, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(100), Swap: i64(100)}},
			"memory.max=100\nmemory.swap.max=0"},
		{"zero means unset", v2Host, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(0), Swap: i64(0)}, CPU: &specs.LinuxCPU{Shares: u64(0)}}, ""},
		{"kernel memory is ignored", v2Host, &specs.LinuxResources{Memory: &specs.LinuxMemory{Kernel: i64(100)}}, ""},
		{"v1 cpu", v1Host, &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(512), Quota: i64(50000), Period: u64(100000),
			Burst: u64(1000), RealtimePeriod: u64(1000000), RealtimeRuntime: i64(950000), Idle: i64(0), Cpus: "1", Mems: "0"}},
			"cpu.shares=512\ncpu.cfs_period_us=100000\ncpu.cfs_quota_us=50000\ncpu.cfs_burst_us=1000\ncpu.rt_period_us=1000000\ncpu.rt_runtime_us=950000\ncpu.idle=0\ncpuset.cpus=1\ncpuset.mems=0"},
		{"v1 quota -1 is no limit", v1Host, &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(-1)}}, "cpu.cfs_quota_us=-1"},
		{"v2 cpu", v2Host, &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(1024), Quota: i64(50000), Period: u64(100000), Burst: u64(1000), Idle: i64(1), Cpus: "0-3"}},
			"cpu.weight=100\ncpu.max=50000 100000\ncpu.max.burst=1000\ncpu.idle=1\ncpuset.cpus=0-3"},
		{"v2 quota without period keeps the period", v2Host, &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(20000)}}, "cpu.max=20000"},
		{"v2 period without quota", v2Host, &specs.LinuxResources{CPU: &specs.LinuxCPU{Period: u64(50000)}}, "cpu.max=max 50000"},
		{"v2 quota -1", v2Host, &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(-1), Period: u64(100000)}}, "cpu.max=max 100000"},
		{"pids", v2Host, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(64)}}, "pids.max=64"},
		{"pids unlimited", v1Host, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(-1)}}, "pids.max=max"},
		{"pids zero is unlimited", v2Host, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(0)}}, "pids.max=max"},
		{"v1 blkio on a BFQ host", v1Host, &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{
			Weight:                  u16(500),
			WeightDevice:            []specs.LinuxWeightDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: u16(300)}},
			ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 1048576}},
			ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 16}, Rate: 100}},
		}}, "blkio.bfq.weight=500\nblkio.bfq.weight_device=8:0 300\nblkio.throttle.read_bps_device=8:0 1048576\nblkio.throttle.write_iops_device=8:16 100"},
		{"v2 io", v2Host, &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{
			Weight:                 u16(1000),
			WeightDevice:           []specs.LinuxWeightDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: u16(10)}},
			ThrottleReadBpsDevice:  []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 1048576}},
			ThrottleWriteBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 0}},
			ThrottleReadIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 10}},
		}}, "io.weight=default 10000\nio.weight=8:0 1\nio.max=8:0 rbps=1048576\nio.max=8:0 wbps=max\nio.max=8:0 riops=10"},
		{"v2 hugetlb", v2Host, &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4194304}}},
			"hugetlb.2MB.max=4194304"},
		{"v2 unified last and sorted", v2Host, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(5)},
			Unified: map[string]string{"pids.max": "7", "memory.high": "1000"}},
			"pids.max=5\nmemory.high=1000\npids.max=7"},
		{"v2 rdma", Host{Mode: Unified, Controllers: map[string]bool{"rdma": true}}, &specs.LinuxResources{
			Rdma: map[string]specs.LinuxRdma{"mlx5_0": {HcaHandles: u32(3), HcaObjects: u32(100)}}},
			"rdma.max=mlx5_0 hca_handle=3 hca_object=100"},
		{"v1 devices in order", v1Host, &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
			{Allow: false, Access: "rwm"}, {Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rw"}, {Allow: true, Type: "c", Major: i64(136)}}},
			"devices.deny=a *:* rwm\ndevices.allow=c 1:3 rw\ndevices.allow=c 136:* rwm"},
		{"v2 devices: a BPF program, no writes", v2Host, &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, err := Plan(tt.r, tt.host)
			if err != nil {
				t.Fatal(err)
			}
			if g := got(ws); g != tt.want {
				t.Errorf("writes:\n%s\nwant:\n%s", g, tt.want)
			}
		})
	}
}

func TestPlanControllersOfWrites(t *testing.T) {
	ws, err := Plan(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1)}, CPU: &specs.LinuxCPU{Shares: u64(2), Cpus: "0"},
		Pids: &specs.LinuxPids{Limit: i64(1)}}, v1Host)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"memory", "cpu", "cpuset", "pids"}
	for i, w := range ws {
		if w.Controller != want[i] {
			t.Errorf("write %v: controller %s, want %s", w, w.Controller, want[i])
		}
	}
}

func TestPlanRejects(t *testing.T) {
	noSwapAcct := v1Host
	noSwapAcct.Files = map[string]bool{}
	noCPU := v2Host
	noCPU.Controllers = map[string]bool{"memory": true, "pids": true}
	noCPU.Where = "/sys/fs/cgroup/system.slice/x/cgroup.controllers"
	tests := []struct {
		name  string
		host  Host
		r     *specs.LinuxResources
		field string // in the message
		msg   string // also in the message
		is    error
	}{
		{"negative memory", v2Host, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-5)}}, "resources.memory.limit", "want -1", ErrInvalidResources},
		{"v2 swap below memory", v2Host, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(200), Swap: i64(100)}}, "resources.memory.swap", "below memory.limit", ErrInvalidResources},
		{"v1 swap below memory", v1Host, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(200), Swap: i64(100)}}, "resources.memory.swap", "below memory.limit", ErrInvalidResources},
		{"v2 swap without memory", v2Host, &specs.LinuxResources{Memory: &specs.LinuxMemory{Swap: i64(100)}}, "resources.memory.swap", "needs memory.limit", ErrInvalidResources},
		{"v1 swap without memory", v1Host, &specs.LinuxResources{Memory: &specs.LinuxMemory{Swap: i64(100)}}, "resources.memory.swap", "needs memory.limit", ErrInvalidResources},
		{"v1 swap without accounting", noSwapAcct, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1), Swap: i64(100)}}, "resources.memory.swap", "swapaccount=1", ErrInvalidResources},
		{"v2 swappiness", v2Host, &specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: u64(10)}}, "resources.memory.swappiness", "cgroup v2", ErrInvalidResources},
		{"v1 swappiness range", v1Host, &specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: u64(101)}}, "resources.memory.swappiness", "0 to 100", ErrInvalidResources},
		{"v2 oom killer", v2Host, &specs.LinuxResources{Memory: &specs.LinuxMemory{DisableOOMKiller: boolp(true)}}, "resources.memory.disableOOMKiller", "cgroup v2", ErrInvalidResources},
		{"shares too low", v2Host, &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(1)}}, "resources.cpu.shares", "2 to 262144", ErrInvalidResources},
		{"shares too high", v1Host, &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: u64(300000)}}, "resources.cpu.shares", "2 to 262144", ErrInvalidResources},
		{"tiny quota", v2Host, &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(10)}}, "resources.cpu.quota", "1000", ErrInvalidResources},
		{"period too long", v1Host, &specs.LinuxResources{CPU: &specs.LinuxCPU{Period: u64(5000000)}}, "resources.cpu.period", "1000000", ErrInvalidResources},
		{"v2 realtime", v2Host, &specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimeRuntime: i64(1000)}}, "resources.cpu.realtimeRuntime", "cgroup v2", ErrInvalidResources},
		{"idle 2", v2Host, &specs.LinuxResources{CPU: &specs.LinuxCPU{Idle: i64(2)}}, "resources.cpu.idle", "0 or 1", ErrInvalidResources},
		{"cpuset outside host", v2Host, &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "2-7"}}, "resources.cpu.cpus", "[4 5 6 7] not available; this host allows 0-3", ErrInvalidResources},
		{"cpuset malformed", v1Host, &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "1-0"}}, "resources.cpu.cpus", "not a range", ErrInvalidResources},
		{"cpuset words", v1Host, &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "all"}}, "resources.cpu.cpus", "not a number", ErrInvalidResources},
		{"mems outside host", v1Host, &specs.LinuxResources{CPU: &specs.LinuxCPU{Mems: "1"}}, "resources.cpu.mems", "memory node [1] not available", ErrInvalidResources},
		{"blkio weight range", v2Host, &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(5)}}, "resources.blockIO.weight", "10 to 1000", ErrInvalidResources},
		{"v1 blkio weight without scheduler", noSwapAcct, &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(500)}}, "resources.blockIO.weight", "CFQ or BFQ", ErrInvalidResources},
		{"negative device", v2Host, &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{
			{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: -1}, Rate: 1}}}}, "resources.blockIO.throttleReadBpsDevice[0]", "must be >= 0", ErrInvalidResources},
		{"v2 leaf weight", v2Host, &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{LeafWeight: u16(500)}}, "resources.blockIO.leafWeight", "cgroup v2", ErrInvalidResources},
		{"hugepage size malformed", v2Host, &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2M"}}}, "resources.hugepageLimits[0]", "2MB or 1GB", ErrInvalidResources},
		{"hugepage size unknown", v2Host, &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "1GB"}}}, "resources.hugepageLimits[0]", "it has 2MB", ErrInvalidResources},
		{"hugetlb bound to cgroup2 on hybrid", v1Host, &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 1}}}, "resources.hugepageLimits[0]", "hugetlb is bound to the cgroup2 hierarchy", ErrControllerMissing},
		{"cpu not delegated on v2", noCPU, &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(10000)}}, "resources.cpu.quota", "not offered by /sys/fs/cgroup/system.slice/x/cgroup.controllers (offered: memory pids); the parent cgroup must delegate it (echo +cpu", ErrControllerMissing},
		{"unified on v1", v1Host, &specs.LinuxResources{Unified: map[string]string{"memory.high": "1"}}, "resources.unified", "needs cgroup v2", ErrInvalidResources},
		{"unified bad key", v2Host, &specs.LinuxResources{Unified: map[string]string{"../x": "1"}}, "resources.unified[../x]", "file name", ErrInvalidResources},
		{"unified managed file", v2Host, &specs.LinuxResources{Unified: map[string]string{"cgroup.procs": "1"}}, "resources.unified[cgroup.procs]", "manages", ErrInvalidResources},
		{"unified unknown controller", v2Host, &specs.LinuxResources{Unified: map[string]string{"misc.max": "1"}}, "resources.unified[misc.max]", "misc controller", ErrControllerMissing},
		{"network", v2Host, &specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: u32(1)}}, "resources.network", "not supported", ErrInvalidResources},
		{"rdma on v1", v1Host, &specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx": {HcaHandles: u32(1)}}}, "resources.rdma[mlx]", "rdma controller", ErrControllerMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, err := Plan(tt.r, tt.host)
			if err == nil {
				t.Fatalf("no error; writes %v", ws)
			}
			if ws != nil {
				t.Errorf("writes returned with an error: %v", ws)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.field+": ") || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q: want field %q and %q", err, tt.field, tt.msg)
			}
		})
	}
}

func TestPlanReportsEveryBadField(t *testing.T) {
	_, err := Plan(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(-3)}, CPU: &specs.LinuxCPU{Shares: u64(1)},
		Pids: &specs.LinuxPids{Limit: i64(5)}}, v2Host)
	for _, f := range []string{"resources.memory.limit", "resources.cpu.shares"} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("error %v does not name %s", err, f)
		}
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Errorf("error %T is not a *FieldError", err)
	}
}

func TestOrderMemoryV1(t *testing.T) {
	plan := []Write{{File: "memory.limit_in_bytes", Value: "200"}, {File: "memory.memsw.limit_in_bytes", Value: "400"}}
	tests := []struct {
		name  string
		cur   uint64
		first string
	}{
		{"raising above current memsw writes memsw first", 300, "memory.memsw.limit_in_bytes"},
		{"lowering writes memory first", 1000, "memory.limit_in_bytes"},
		{"unlimited memsw now writes memory first", 0, "memory.limit_in_bytes"},
	}
	for _, tt := range tests {
		if got := orderMemoryV1(plan, tt.cur)[0].File; got != tt.first {
			t.Errorf("%s: first write %s, want %s", tt.name, got, tt.first)
		}
	}
	if plan[0].File != "memory.limit_in_bytes" {
		t.Error("orderMemoryV1 changed its input")
	}
}

func TestNeededMarksControllersInUse(t *testing.T) {
	got := needed([]string{"cpu", "memory", "pids"}, []Write{{Controller: "memory"}, {Controller: "memory"}, {Controller: "pids"}})
	if strings.Join(got, " ") != "cpu !memory !pids" {
		t.Errorf("needed = %v", got)
	}
}
