package cgroups

import (
	"context"
	"fmt"
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
