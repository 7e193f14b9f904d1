package cgroups

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// writeFile writes one value to a cgroup interface file. O_CREAT is
// never used: cgroup files exist or the feature is missing.
func writeFile(dir, file, value string) error {
	p := filepath.Join(dir, file)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return fmt.Errorf("write %s: %w", p, unwrapPath(err))
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s %q: %w", p, value, unwrapPath(err))
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func readFile(dir, file string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, file))
	return strings.TrimSpace(string(b)), err
}

func readKV(dir, file string) map[string]uint64 {
	f, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		return map[string]uint64{}
	}
	defer f.Close()
	return parseKV(f)
}

func readUint(dir, file string) uint64 {
	s, err := readFile(dir, file)
	if err != nil {
		return 0
	}
	v, _ := strconv.ParseUint(s, 10, 64)
	return v
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// mkdirs creates dir and its missing parents, returning what it created
// (outermost first) so a failed Create can remove exactly that.
func mkdirs(dir string) ([]string, error) {
	var missing []string
	for d := dir; !exists(d); d = filepath.Dir(d) {
		missing = append([]string{d}, missing...)
		if d == "/" {
			break
		}
	}
	for i, d := range missing {
		if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return missing[:i], fmt.Errorf("mkdir %s: %w", d, unwrapPath(err))
		}
	}
	return missing, nil
}

// rmdirs removes directories this process created, innermost first.
func rmdirs(dirs []string) {
	for i := len(dirs) - 1; i >= 0; i-- {
		_ = unix.Rmdir(dirs[i])
	}
}

// removeTree removes a cgroup and every child cgroup below it, deepest
// first. A cgroup whose processes are still exiting answers EBUSY for a
// moment; retry until ctx ends.
func removeTree(ctx context.Context, dir string) error {
	var dirs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove cgroup %s: %w", dir, err)
	}
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	for _, d := range dirs {
		if err := rmdirRetry(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// defaultWait bounds waits whose ctx has no deadline of its own.
const defaultWait = 10 * time.Second

// bounded gives ctx a deadline if it has none, so a stuck cgroup cannot
// hang a command forever.
func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, defaultWait)
}

func rmdirRetry(ctx context.Context, dir string) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	delay := time.Millisecond
	for {
		err := unix.Rmdir(dir)
		if err == nil || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) {
			return fmt.Errorf("rmdir %s: %w", dir, err)
		}
		select {
		case <-ctx.Done():
			pids, _ := readPids(dir)
			return fmt.Errorf("rmdir %s: %w: processes %v remain (kill them first): %v", dir, ErrBusy, pids, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*2, 50*time.Millisecond)
	}
}

// readPids lists cgroup.procs of dir and every child cgroup.
func readPids(dir string) ([]int, error) {
	var pids []int
	if !exists(dir) {
		return nil, nil
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		s, err := readFile(p, "cgroup.procs")
		if err != nil {
			return err
		}
		for _, f := range strings.Fields(s) {
			if n, err := strconv.Atoi(f); err == nil && n > 0 {
				pids = append(pids, n)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list processes of cgroup %s: %w", dir, err)
	}
	return pids, nil
}

// poll calls done every few milliseconds until it reports true or ctx ends.
func poll(ctx context.Context, what string, done func() (bool, error)) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	delay := time.Millisecond
	for {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*2, 20*time.Millisecond)
	}
}

// signalAll sends sig to each pid; processes that already exited are fine.
func signalAll(pids []int, sig unix.Signal) error {
	for _, pid := range pids {
		if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("kill %d: %w", pid, err)
		}
	}
	return nil
}
