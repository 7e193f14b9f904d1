// Package initproc is the container's first process, seen from both ends.
//
// The runtime starts the container by re-executing its own binary ("skiff
// init") with clone flags that put the child in new namespaces. Parent and
// child then talk over a "sync pipe" (a unix socket pair on fd 3 of the
// child): the parent sends the configuration, the child does its set-up and
// answers "ready" — or "error" with the step that failed and why, so the user
// sees "pivot_root /x: invalid argument" instead of "exit status 1". The
// socket also carries the pty master of a terminal container (SCM_RIGHTS),
// and one message the other way: "joined", once the parent has moved the
// child into its cgroup.
//
// Lab 01 ("a container is a process") introduces it. Read sync.go first
// (the protocol), then exec_linux.go (the last step: become the user's
// program, so that it is pid 1 of the container).
package initproc
