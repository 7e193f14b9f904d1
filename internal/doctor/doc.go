// Package doctor is `skiff doctor`: a preflight of the host a learner is on
// (kernel, cgroup mode and controllers, overlayfs, mount propagation, user
// namespaces, nftables, IP forwarding, the busybox image), with a fix for
// every problem it finds. It runs before lab 01; read checks.go.
package doctor
