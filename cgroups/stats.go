package cgroups

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// Stats is a snapshot of a container's accounting, the same shape on
// both cgroup versions. A limit of 0 means "no limit".
type Stats struct {
	Memory MemoryStats `json:"memory"`
	CPU    CPUStats    `json:"cpu"`
	Pids   PidsStats   `json:"pids"`
	IO     IOStats     `json:"io"`
}

// MemoryStats: v2 memory.current/max/peak/events, v1
// memory.usage_in_bytes/limit_in_bytes/max_usage_in_bytes/oom_control.
type MemoryStats struct {
	Usage    uint64 `json:"usage"`
	Limit    uint64 `json:"limit"`
	MaxUsage uint64 `json:"maxUsage"` // v2 needs Linux 5.19 (memory.peak)
	OOMKills uint64 `json:"oomKills"` // v2 memory.events oom_kill, v1 memory.oom_control oom_kill
	// LimitHits counts how often usage reached the limit (v2
	// memory.events max, v1 memory.failcnt); reclaim usually follows.
	LimitHits uint64 `json:"limitHits"`
}

// CPUStats: v2 cpu.stat; v1 cpuacct.usage, cpuacct.stat and cpu.stat.
type CPUStats struct {
	UsageNanos       uint64 `json:"usageNanos"`
	UserNanos        uint64 `json:"userNanos"`
	SystemNanos      uint64 `json:"systemNanos"`
	Periods          uint64 `json:"periods"`          // CFS periods with runnable tasks
	ThrottledPeriods uint64 `json:"throttledPeriods"` // nr_throttled
	ThrottledNanos   uint64 `json:"throttledNanos"`
}

// PidsStats: pids.current and pids.max.
type PidsStats struct {
	Current uint64 `json:"current"`
	Limit   uint64 `json:"limit"`
}

// IOStats sums all devices: v2 io.stat, v1 blkio.throttle.io_service*.
type IOStats struct {
	ReadBytes  uint64 `json:"readBytes"`
	WriteBytes uint64 `json:"writeBytes"`
	ReadOps    uint64 `json:"readOps"`
	WriteOps   uint64 `json:"writeOps"`
}

// parseKV reads "key value" lines (cpu.stat, memory.events, memory.stat,
// memory.oom_control, cpuacct.stat).
func parseKV(r io.Reader) map[string]uint64 {
	out := map[string]uint64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		if v, err := strconv.ParseUint(f[1], 10, 64); err == nil {
			out[f[0]] = v
		}
	}
	return out
}

// parseLimit reads a single-value file; "max" and v1's huge
// "unlimited" numbers become 0.
func parseLimit(s string) uint64 {
	s = strings.TrimSpace(s)
	if s == "max" || s == "-1" {
		return 0
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v >= 1<<62 {
		return 0
	}
	return v
}

// parseIOStatV2 sums io.stat lines "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...".
func parseIOStatV2(r io.Reader) IOStats {
	var s IOStats
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		for _, kv := range f[min(1, len(f)):] {
			k, v, _ := strings.Cut(kv, "=")
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				continue
			}
			switch k {
			case "rbytes":
				s.ReadBytes += n
			case "wbytes":
				s.WriteBytes += n
			case "rios":
				s.ReadOps += n
			case "wios":
				s.WriteOps += n
			}
		}
	}
	return s
}

// parseBlkioV1 sums "8:0 Read 4096" lines of a blkio.*io_service* file
// into read and write totals.
func parseBlkioV1(r io.Reader) (read, write uint64) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			continue
		}
		n, err := strconv.ParseUint(f[2], 10, 64)
		if err != nil {
			continue
		}
		switch f[1] {
		case "Read":
			read += n
		case "Write":
			write += n
		}
	}
	return read, write
}

// userHZ is the unit of cpuacct.stat (clock ticks; 100 on every Linux
// architecture Go supports).
const userHZ = 100

// cpuV2 fills CPUStats from cgroup v2 cpu.stat (microseconds).
func cpuV2(kv map[string]uint64) CPUStats {
	return CPUStats{
		UsageNanos: kv["usage_usec"] * 1000, UserNanos: kv["user_usec"] * 1000, SystemNanos: kv["system_usec"] * 1000,
		Periods: kv["nr_periods"], ThrottledPeriods: kv["nr_throttled"], ThrottledNanos: kv["throttled_usec"] * 1000,
	}
}

// cpuV1 fills CPUStats from cpuacct.usage (ns), cpuacct.stat (ticks) and
// cpu.stat (throttled_time in ns).
func cpuV1(usage uint64, acct, stat map[string]uint64) CPUStats {
	const tick = 1e9 / userHZ
	return CPUStats{
		UsageNanos: usage, UserNanos: acct["user"] * tick, SystemNanos: acct["system"] * tick,
		Periods: stat["nr_periods"], ThrottledPeriods: stat["nr_throttled"], ThrottledNanos: stat["throttled_time"],
	}
}
