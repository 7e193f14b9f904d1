// Package namespace turns the namespaces of an OCI config into what the
// kernel needs: clone flags for the namespaces a container creates, and
// setns calls for the ones it joins by path (/proc/PID/ns/net, a bind mount
// under /run/skiff/netns, ...).
//
// Lab 01 ("a container is a process") introduces it. Read namespace.go first
// (the pure mapping from namespace types to CLONE_NEW* flags), then
// join_linux.go (the one place where a thread changes namespaces).
//
// Why a thread and not the process: setns(2) changes only the calling
// thread, and a Go program has many threads. The recipe (see DESIGN.md) is to
// lock a goroutine to its OS thread, unshare CLONE_FS so the thread owns its
// root and cwd (the kernel refuses setns into a mount namespace otherwise),
// open every /proc/PID/ns/* file first (after entering a mount namespace the
// host's paths are gone), setns them with the mount namespace last, fork the
// child from that same thread, and let the thread die instead of returning it
// to the Go scheduler in a foreign namespace.
package namespace
