package pod

import (
	"errors"
	"fmt"
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
)

// pauseReadyFd is where the pause process reports "ok" or an error.
const pauseReadyFd = 3

// Pause is the sandbox's process (`skiff pod-pause [HOSTNAME]`; not "pause", which is the OCI
// command that freezes a container): it sets the
// pod's hostname in its new UTS namespace, reports ready, then sleeps
// until SIGTERM or SIGINT, reaping zombies (it is pid 1 when the pod
// shares its PID namespace). It holds the pod's namespaces open.
func Pause(hostname string) error {
	ready := os.NewFile(pauseReadyFd, "ready")
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT, unix.SIGCHLD)
	if hostname != "" {
		if err := unix.Sethostname([]byte(hostname)); err != nil {
			err = fmt.Errorf("sethostname %q: %w", hostname, err)
			fmt.Fprint(ready, err)
			return err
		}
	}
	if _, err := fmt.Fprint(ready, "ok"); err != nil {
		return err
	}
	ready.Close()
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err == nil {
		for _, fd := range []int{0, 1, 2} {
			unix.Dup2(int(devnull.Fd()), fd)
		}
		devnull.Close()
	}
	for s := range sigs {
		if s == unix.SIGCHLD {
			reap()
			continue
		}
		return nil
	}
	return errors.New("pause: signal channel closed")
}

// reap collects every exited child.
func reap() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}
