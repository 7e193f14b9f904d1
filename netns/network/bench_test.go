package network

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/skiffrun/skiff/netns"
	"github.com/skiffrun/skiff/netns/bridge"
	"golang.org/x/sys/unix"
)

// BenchmarkSetupTeardown times one container's network set-up plus
// teardown, in a disposable host namespace whose bridge already exists (an
// anchor container keeps it). Teardown happens in the runtime's order: the
// container's namespace goes first (its veth goes with it, deleted by the
// kernel), then the network state is cleaned.
//
//	skiff:    netns.Create, Attach, netns.Remove, Detach, in process
//	iproute2: the same as seven `ip` commands: netns add, a veth into the
//	          bridge and the namespace, lo up, address, eth0 up, default
//	          route, netns del
//
// scripts/bench-net.sh runs both and prints the ratio.
func BenchmarkSetupTeardown(b *testing.B) {
	l := newLab(b)
	l.m.cfg.Explain = nil
	anchor := l.container("sleep", "600")
	l.attach(AttachConfig{ContainerID: "anchor", NetnsPath: anchor})
	ctx := context.Background()
	run := 0 // names stay unique: the kernel may still be deleting the last veth

	b.Run("skiff", func(b *testing.B) {
		dir := filepath.Join(l.dir, "bench-netns")
		for i := 0; i < b.N; i++ {
			run++
			id := fmt.Sprintf("bench-%d", run)
			path, err := netns.Create(dir, id)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := l.m.Attach(ctx, quiet, AttachConfig{ContainerID: id, NetnsPath: path}); err != nil {
				b.Fatal(err)
			}
			if err := netns.Remove(path); err != nil {
				b.Fatal(err)
			}
			if err := l.m.Detach(ctx, quiet, id); err != nil {
				b.Fatal(err)
			}
			waitGone(b, l.host, bridge.VethName(id))
		}
	})
	b.Run("iproute2", func(b *testing.B) {
		err := inPrivateHost(l.host, func() error {
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				run++
				for _, s := range iprouteSteps(run) {
					if out, err := exec.Command("ip", s...).CombinedOutput(); err != nil {
						return fmt.Errorf("ip %v: %v: %s", s, err, out)
					}
				}
				waitGone(b, l.host, fmt.Sprintf("vb%d", run))
			}
			b.StopTimer()
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	})
}

func iprouteSteps(n int) [][]string {
	ns, veth := fmt.Sprintf("bench%d", n), fmt.Sprintf("vb%d", n)
	return [][]string{
		{"netns", "add", ns},
		{"link", "add", veth, "mtu", "1500", "master", "skiff0", "up", "type", "veth", "peer", "name", "eth0", "netns", ns},
		{"-n", ns, "link", "set", "lo", "up"},
		{"-n", ns, "addr", "add", "10.199.0.200/24", "dev", "eth0"},
		{"-n", ns, "link", "set", "eth0", "up"},
		{"-n", ns, "route", "add", "default", "via", "10.199.0.1"},
		{"netns", "del", ns},
	}
}

// waitGone waits, untimed, until the kernel has finished destroying the
// last namespace and with it the host end of its veth: that cleanup runs
// asynchronously and would otherwise slow down the next iteration's link
// creation (it holds the rtnl lock) for whichever side comes next.
func waitGone(b *testing.B, host, veth string) {
	b.StopTimer()
	defer b.StartTimer()
	h, err := bridge.OpenHost(host, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	for i := 0; i < 1000; i++ {
		if ok, err := h.LinkExists(veth); err == nil && !ok {
			return
		}
		time.Sleep(time.Millisecond)
	}
	b.Fatalf("veth %s still there after 1s", veth)
}

// inPrivateHost runs fn on a thread inside the host namespace and inside a
// private mount namespace with a tmpfs on /run, so `ip netns add` pins its
// namespaces there and not in the machine's /run/netns. The thread is never
// unlocked: it dies with its goroutine.
func inPrivateHost(host string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		errc <- func() error {
			if err := unix.Unshare(unix.CLONE_FS | unix.CLONE_NEWNS); err != nil {
				return fmt.Errorf("unshare mount ns: %w", err)
			}
			if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
				return fmt.Errorf("make / private: %w", err)
			}
			if err := unix.Mount("tmpfs", "/run", "tmpfs", 0, "size=1m"); err != nil {
				return fmt.Errorf("tmpfs on /run: %w", err)
			}
			if err := checkTmpfsRun(); err != nil {
				return err
			}
			f, err := os.Open(host)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
				return fmt.Errorf("setns host: %w", err)
			}
			return fn()
		}()
	}()
	return <-errc
}

// checkTmpfsRun makes sure this thread sees its private /run before ip
// may create /run/netns.
func checkTmpfsRun() error {
	var st unix.Statfs_t
	if err := unix.Statfs("/run", &st); err != nil {
		return err
	}
	if st.Type != unix.TMPFS_MAGIC {
		return fmt.Errorf("/run is not the private tmpfs")
	}
	entries, err := os.ReadDir("/run")
	if err != nil || len(entries) != 0 {
		return fmt.Errorf("/run is not the private, empty tmpfs: %v", err)
	}
	return nil
}
