package pod

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/skiffrun/skiff/runtime/container"
)

// ExecOptions are the inputs of Exec.
type ExecOptions struct {
	Container             string // "" = the pod's only app container
	Args                  []string
	Tty                   bool
	Stdin, Stdout, Stderr *os.File
}

// execFunc runs a process in a running container; the container runtime's
// Exec joins the init's namespaces and cgroup. A variable so tests (and a
// CRI server streaming over its own connections) can swap it.
var execFunc = func(ctx context.Context, rt *container.Runtime, id string, o container.ExecOptions) (int, error) {
	return rt.Exec(ctx, id, o)
}

// Exec runs a command in one of a pod's running containers, as that
// container's user, environment and working directory, and returns its
// exit status.
func Exec(ctx context.Context, cfg Config, name string, o ExecOptions) (int, error) {
	st, err := Get(cfg, name)
	if err != nil {
		return 0, err
	}
	cs, err := pickContainer(st, o.Container)
	if err != nil {
		return 0, err
	}
	if cs.State != StateRunning {
		return 0, fmt.Errorf("exec in %s/%s: container is %s: %w", name, cs.Name, cs.State, ErrNotRunning)
	}
	crt := &container.Runtime{Root: filepath.Join(cfg.Root, "pods", name, "containers"), Self: cfg.Self, Log: discard}
	state, err := container.Load(crt.Root, cs.Name)
	if err != nil {
		return 0, err
	}
	p := *state.Spec.Process
	p.Args, p.Terminal = o.Args, o.Tty
	return execFunc(ctx, crt, cs.Name, container.ExecOptions{Process: &p, Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr})
}

// PortForward connects conn to port (TCP) inside the pod's network
// namespace and copies both ways until either side closes, as
// `kubectl port-forward` does for one connection.
func PortForward(ctx context.Context, cfg Config, name string, port uint16, conn io.ReadWriteCloser) error {
	st, err := Get(cfg, name)
	if err != nil {
		return err
	}
	if st.PausePid == 0 || st.Terminal() {
		return fmt.Errorf("port-forward to pod %s: %w", name, ErrNotRunning)
	}
	target, err := dialIn(ctx, fmt.Sprintf("/proc/%d/ns/net", st.PausePid), "127.0.0.1:"+strconv.Itoa(int(port)))
	if err != nil {
		return fmt.Errorf("port-forward to pod %s port %d: %w", name, port, err)
	}
	defer target.Close()
	done := make(chan struct{}, 2)
	go func() { io.Copy(target, conn); target.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
	go func() { io.Copy(conn, target); conn.Close(); done <- struct{}{} }()
	<-done
	<-done
	return nil
}

// dialIn connects from inside the network namespace at nsPath: the socket
// is made on a thread that entered it, and that thread is never reused.
func dialIn(ctx context.Context, nsPath, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // not unlocked: the thread dies with the goroutine
		f, err := os.Open(nsPath)
		if err != nil {
			ch <- result{nil, err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, fmt.Errorf("setns %s: %w", nsPath, err)}
			return
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}
