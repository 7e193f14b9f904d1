package main

import (
	"os"
	"runtime"
)

// init keeps a container's init on the process's main thread. The init
// changes per-thread state (the cgroup namespace, capabilities, seccomp)
// before it execs; observers read the main thread's (/proc/PID/ns/cgroup),
// so that is the thread that must do it. Package init runs on the main
// thread, and locking here holds the main goroutine there.
func init() {
	if len(os.Args) > 1 && os.Args[1] == "init" {
		runtime.LockOSThread()
	}
}
