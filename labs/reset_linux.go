package labs

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/cgroups"
)

// extraReset removes what a lab makes besides containers named labNN... and
// files under its working directory. Every action is idempotent: reset
// ignores "already gone" and verifies the result at the end instead.
var extraReset = map[int]func(ctx context.Context, e Env){
	4: func(ctx context.Context, e Env) { e.skiff(ctx, "rmi", "lab04-hello:1") },
	5: func(ctx context.Context, e Env) { os.RemoveAll(filepath.Join(e.Data, "volumes", "lab05-cache")) },
	6: func(ctx context.Context, e Env) {
		e.skiff(ctx, "network", "detach", "lab06-byhand")
		killSleeper(filepath.Join(e.LabDir(6), "sleeper.pid"))
		e.skiff(ctx, "network", "rm", "lab06")
	},
	7: func(ctx context.Context, e Env) {
		run(ctx, "runc", "--root", runcRoot(e), "delete", "--force", "lab07")
	},
	8: func(ctx context.Context, e Env) { e.skiff(ctx, "pod", "rm", "-f", "lab08") },
}

// Reset removes everything lab l's steps make: its containers (named
// labNN...), the lab's extras (images, volumes, networks, runc state, pods),
// the mounts under its working directory and the directory itself, and
// networks no container uses any more (the bridge skiff0 and skiff's
// nftables table among them). Running it twice is harmless. It returns an
// error if something is still there afterwards.
func Reset(ctx context.Context, e Env, l Lab, w io.Writer) error {
	prefix := "lab" + l.Name()
	if extra, ok := extraReset[l.Number]; ok {
		extra(ctx, e)
	}
	removed := removeContainers(ctx, e, prefix)
	e.skiff(ctx, "network", "prune")
	removeEmptyParent()
	dir := e.LabDir(l.Number)
	if err := unmountUnder(dir); err != nil {
		return fmt.Errorf("reset lab %s: %w", l.Name(), err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("reset lab %s: %w", l.Name(), err)
	}
	os.Remove(e.Dir) // only when no other lab's directory is left in it
	if left := containersWithPrefix(ctx, e, prefix); len(left) > 0 {
		return fmt.Errorf("reset lab %s: containers still there: %s", l.Name(), strings.Join(left, " "))
	}
	fmt.Fprintf(w, "lab %s reset: removed %d container(s), %s and unused networks\n", l.Name(), removed, dir)
	return nil
}

func containersWithPrefix(ctx context.Context, e Env, prefix string) []string {
	out, _ := e.skiff(ctx, "list", "-q")
	var ids []string
	for _, id := range strings.Fields(out) {
		if strings.HasPrefix(id, prefix) {
			ids = append(ids, id)
		}
	}
	return ids
}

// removeContainers removes Docker-style containers with rm -f and OCI ones
// (lab 07's create) with delete --force.
func removeContainers(ctx context.Context, e Env, prefix string) int {
	n := 0
	for _, id := range containersWithPrefix(ctx, e, prefix) {
		if _, err := e.skiff(ctx, "rm", "-f", id); err != nil {
			e.skiff(ctx, "delete", "--force", id)
		}
		n++
	}
	return n
}

// unmountUnder detaches every mount at or below dir, deepest first, and
// fails if one is left (so that removing dir never reaches through a bind
// mount into another directory).
func unmountUnder(dir string) error {
	ms, err := mounts("self")
	if err != nil {
		return err
	}
	var targets []string
	for _, m := range ms {
		if m.Target == dir || strings.HasPrefix(m.Target, dir+"/") {
			targets = append(targets, m.Target)
		}
	}
	sort.Slice(targets, func(i, j int) bool { return len(targets[i]) > len(targets[j]) })
	for _, t := range targets {
		if err := unix.Unmount(t, unix.MNT_DETACH); err != nil && err != unix.EINVAL && err != unix.ENOENT {
			return fmt.Errorf("unmount %s: %w", t, err)
		}
	}
	ms, _ = mounts("self")
	for _, m := range ms {
		if m.Target == dir || strings.HasPrefix(m.Target, dir+"/") {
			return fmt.Errorf("unmount %s: still mounted", m.Target)
		}
	}
	return nil
}

// killSleeper ends the process lab 06 started to hold a network namespace,
// if the pid file still names a running sleep.
func killSleeper(pidFile string) {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err == nil && strings.TrimSpace(string(comm)) == "sleep" {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// CgroupParent is the cgroup holding skiff's containers, as skiff itself
// picks it: SKIFF_CGROUP_PARENT, else /skiff on cgroup v2 and skiff below
// the caller's own cgroup on v1 and hybrid hosts.
func CgroupParent() string {
	if p := os.Getenv("SKIFF_CGROUP_PARENT"); p != "" {
		return p
	}
	if mode, err := cgroups.DetectMode(); err == nil && mode.V2() {
		return "/skiff"
	}
	return "skiff"
}

// parentDirs are the directories of CgroupParent in every hierarchy.
func parentDirs() []string {
	m, err := cgroups.New("", cgroups.Options{ID: "lab", Parent: CgroupParent()})
	if err != nil {
		return nil
	}
	var dirs []string
	for _, p := range m.Paths() {
		dirs = append(dirs, filepath.Dir(p))
	}
	return dirs
}

// removeEmptyParent removes the parent cgroup once no container is left
// in it: rmdir refuses a cgroup that still has children or processes, so a
// parent other containers use stays.
func removeEmptyParent() {
	for _, d := range parentDirs() {
		unix.Rmdir(d)
	}
}
