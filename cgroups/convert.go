package cgroups

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// SharesToWeight converts a cgroup v1 cpu.shares value [2, 262144] to a
// cgroup v2 cpu.weight [1, 10000], as runc (opencontainers/cgroups 0.0.4+)
// and crun 1.23+ do: on a log scale, so that the v1 default 1024 becomes
// the v2 default 100 and both ends of the ranges meet:
//
//	L = log2(shares); weight = ceil(10^((L² + 125·L)/612 − 7/34))
//
// (Older runtimes used the linear 1 + (shares−2)·9999/262142, which maps
// 1024 to 39 and starved containers next to host services.) 0 means unset.
func SharesToWeight(shares uint64) uint64 {
	if shares == 0 {
		return 0
	}
	if shares <= 2 {
		return 1
	}
	if shares >= 262144 {
		return 10000
	}
	l := math.Log2(float64(shares))
	exp := (l*l+125*l)/612 - 7.0/34
	w := math.Pow(10, exp)
	// Round values that land within float noise of an integer (1024 -> 100).
	if r := math.Round(w); math.Abs(w-r) < 1e-9 {
		return uint64(r)
	}
	return uint64(math.Ceil(w))
}

// BlkioWeightToIOWeight converts a v1 blkio weight [10, 1000] to a v2
// io.weight [1, 10000] linearly, as runc and crun do. 0 means unset.
func BlkioWeightToIOWeight(w uint16) uint64 {
	if w == 0 {
		return 0
	}
	return 1 + (uint64(w)-10)*9999/990
}

// swapV2 turns OCI memory.swap (memory+swap, the v1 memsw meaning) into
// the v2 memory.swap.max value (swap alone). -1 is unlimited.
func swapV2(swap, limit int64) (int64, error) {
	switch {
	case swap == -1:
		return -1, nil
	case swap < -1:
		return 0, fmt.Errorf("%d: want -1 (unlimited) or bytes >= memory.limit", swap)
	case limit <= 0:
		return 0, fmt.Errorf("%d: a swap limit needs memory.limit (swap is the memory+swap total)", swap)
	case swap < limit:
		return 0, fmt.Errorf("%d is below memory.limit %d: swap is the memory+swap total, so it must be >= memory.limit (set it equal for no swap)", swap, limit)
	}
	return swap - limit, nil
}

// cpuMax builds the v2 cpu.max value "QUOTA PERIOD" ("max" for no quota).
// Without a period the kernel keeps the current one.
func cpuMax(quota *int64, period *uint64) string {
	q := "max"
	if quota != nil && *quota > 0 {
		q = strconv.FormatInt(*quota, 10)
	}
	if period != nil && *period > 0 {
		return q + " " + strconv.FormatUint(*period, 10)
	}
	return q
}

// cpuSet is a parsed list such as "0-3,8".
type cpuSet map[int]bool

// parseList parses the kernel's list format ("0-3,5,7-8").
func parseList(s string) (cpuSet, error) {
	set := cpuSet{}
	s = strings.TrimSpace(s)
	if s == "" {
		return set, nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("%q: %q is not a number or range", s, part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("%q: %q is not a range low-high", s, part)
			}
		}
		if b-a > 1<<16 {
			return nil, fmt.Errorf("%q: range %q too large", s, part)
		}
		for i := a; i <= b; i++ {
			set[i] = true
		}
	}
	return set, nil
}

// missing returns the members of s not in allowed, sorted.
func (s cpuSet) missing(allowed cpuSet) []int {
	var out []int
	for i := range s {
		if !allowed[i] {
			out = append(out, i)
		}
	}
	sort.Ints(out)
	return out
}

// hugePageSize validates an OCI pageSize ("2MB", "1GB", "64KB") and
// returns it in the form cgroup file names use.
func hugePageSize(s string) (string, error) {
	for _, unit := range []string{"KB", "MB", "GB"} {
		n, ok := strings.CutSuffix(s, unit)
		if !ok {
			continue
		}
		if v, err := strconv.ParseUint(n, 10, 32); err == nil && v > 0 {
			return s, nil
		}
	}
	return "", fmt.Errorf("%q: want a size such as 2MB or 1GB", s)
}

// hugePageDirName turns /sys/kernel/mm/hugepages/hugepages-2048kB into "2MB".
func hugePageDirName(dir string) (string, bool) {
	kb, ok := strings.CutPrefix(dir, "hugepages-")
	if !ok {
		return "", false
	}
	kb, ok = strings.CutSuffix(kb, "kB")
	n, err := strconv.ParseUint(kb, 10, 64)
	if !ok || err != nil || n == 0 {
		return "", false
	}
	switch {
	case n%(1<<20) == 0:
		return strconv.FormatUint(n>>20, 10) + "GB", true
	case n%(1<<10) == 0:
		return strconv.FormatUint(n>>10, 10) + "MB", true
	}
	return strconv.FormatUint(n, 10) + "KB", true
}

func splitFields(s string) []string { return strings.Fields(s) }
