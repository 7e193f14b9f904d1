package seccomp

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const costEnv = "SKIFF_SECCOMP_COST_CHILD"

// TestSyscallCostChild is run by BenchmarkSyscallCost: it installs a
// filter ("none", "search": the default profile as compiled, "linear": the
// same with one comparison after another) and times personality(0xffffffff)
// (a query) on its thread. Linux 5.11+ caches the verdict of syscalls whose
// action does not depend on their arguments (getppid costs the same with
// and without a filter); personality's does, so the filter runs each time.
func TestSyscallCostChild(t *testing.T) {
	mode := os.Getenv(costEnv)
	if mode == "" {
		t.Skip("run by BenchmarkSyscallCost")
	}
	runtime.LockOSThread()
	if mode == "linear" {
		leafSize = 1 << 30
	}
	if mode != "none" {
		prog, err := Compile(Default())
		if err != nil {
			t.Fatal(err)
		}
		if err := SetNoNewPrivileges(); err != nil {
			t.Fatal(err)
		}
		if err := Install(prog); err != nil {
			t.Fatal(err)
		}
	}
	const n = 2_000_000
	start := time.Now()
	for i := 0; i < n; i++ {
		unix.Syscall(unix.SYS_PERSONALITY, 0xffffffff, 0, 0)
	}
	fmt.Printf("ns/syscall=%.1f\n", float64(time.Since(start).Nanoseconds())/n)
}

// BenchmarkSyscallCost reports what the default filter adds to a cheap
// syscall the filter must run for, against no filter (the peer) and
// against a linear filter.
func BenchmarkSyscallCost(b *testing.B) {
	cost := map[string]float64{}
	for i := 0; i < b.N; i++ {
		for _, mode := range []string{"none", "search", "linear"} {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSyscallCostChild$", "-test.bench=^$")
			cmd.Env = append(os.Environ(), costEnv+"="+mode)
			out, err := cmd.Output()
			if err != nil {
				b.Fatalf("%s: %v\n%s", mode, err, out)
			}
			_, v, _ := strings.Cut(strings.SplitN(string(out), "\n", 2)[0], "=")
			ns, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatalf("%s: %q", mode, out)
			}
			cost[mode] += ns / float64(b.N)
		}
	}
	b.ReportMetric(cost["none"], "ns/syscall-unfiltered")
	b.ReportMetric(cost["search"], "ns/syscall-default")
	b.ReportMetric(cost["linear"], "ns/syscall-linear")
	b.ReportMetric(cost["search"]/cost["none"], "default/unfiltered")
}
