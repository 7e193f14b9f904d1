package cgroups

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// benchResources touches every controller a container normally uses.
func benchResources() *specs.LinuxResources {
	return &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64(256 << 20), Reservation: i64(128 << 20)},
		CPU:    &specs.LinuxCPU{Shares: u64(512), Quota: i64(50000), Period: u64(100000), Cpus: "0"},
		Pids:   &specs.LinuxPids{Limit: i64(100)},
	}
}

// BenchmarkCreateDestroy times New+Create+Destroy of one container's
// cgroup with memory, cpu, cpuset and pids limits. The "mkdir-rmdir"
// peer does only the bare directory work on the same paths, the floor any
// manager pays; the ratio is the cost of planning, probing and writing.
func BenchmarkCreateDestroy(b *testing.B) {
	needRoot(b)
	ctx := context.Background()
	var paths map[string]string
	b.Run("skiff", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			m, err := New("", Options{ID: fmt.Sprintf("bench-%d", i), Parent: testParent})
			if err != nil {
				b.Fatal(err)
			}
			if err := m.Create(benchResources()); err != nil {
				b.Fatal(err)
			}
			paths = m.Paths()
			if err := m.Destroy(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("mkdir-rmdir", func(b *testing.B) {
		dirs := map[string]bool{}
		for _, d := range paths {
			dirs[filepath.Dir(d)] = true
		}
		for i := 0; i < b.N; i++ {
			for d := range dirs {
				p := filepath.Join(d, fmt.Sprintf("bench-raw-%d", i))
				if err := os.Mkdir(p, 0o755); err != nil {
					b.Fatal(err)
				}
				if err := os.Remove(p); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// containerDeviceRules is the list a runtime gives a default container:
// deny all, then the standard nodes, /dev/ptmx and /dev/pts/*.
func containerDeviceRules() []specs.LinuxDeviceCgroup {
	rules := []specs.LinuxDeviceCgroup{denyAll}
	for _, n := range [][2]int64{{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 2}, {136, -1}} {
		rules = append(rules, rule(true, "c", n[0], n[1], "rwm"))
	}
	return rules
}

// BenchmarkDeviceRules times enforcing a container's device rules. The
// "bpf-program" case compiles, loads and attaches the cgroup v2 program
// (replacing the previous one, as Update does); its peer "v1-files" writes
// the same rules to a v1 devices cgroup's devices.deny/allow (hybrid and
// v1 hosts only). ns/op of one over the other is the ratio.
func BenchmarkDeviceRules(b *testing.B) {
	rules := containerDeviceRules()
	b.Run("bpf-program", func(b *testing.B) {
		dir := cgroup2Dir(b)
		log := slog.New(slog.DiscardHandler)
		for i := 0; i < b.N; i++ {
			if err := setDevices(dir, rules, log); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("v1-files", func(b *testing.B) {
		dir := v1DevicesDir(b)
		for i := 0; i < b.N; i++ {
			for _, r := range rules {
				file := "devices.deny"
				if r.Allow {
					file = "devices.allow"
				}
				v, _ := DeviceRule(r)
				if err := writeFile(dir, file, v); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// v1DevicesDir makes a v1 devices cgroup below this process's own and
// removes it when the benchmark ends.
func v1DevicesDir(b *testing.B) string {
	needRoot(b)
	l, err := detect()
	if err != nil {
		b.Fatal(err)
	}
	own, err := SelfPaths()
	if err != nil {
		b.Fatal(err)
	}
	mnt := l.V1["devices"]
	if mnt == nil {
		b.Skip("no v1 devices controller on this host")
	}
	dir := filepath.Join(dirOf(mnt, own["devices"]), fmt.Sprintf("skiff-bench-devices-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = os.Remove(dir) })
	return dir
}
