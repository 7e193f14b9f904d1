// Package bridge makes the links of a bridge network: the bridge itself
// (a virtual switch in the host namespace, holding the gateway address),
// one veth pair per container (one end enslaved to the bridge, the other
// created directly inside the container's namespace as eth0), and the
// container side's address, loopback and default route.
//
// Every change goes through github.com/vishvananda/netlink on a handle
// bound to the right namespace (netlink.NewHandleAt), so no goroutine ever
// has to enter a container's namespace, and is explained as the equivalent
// `ip` or `sysctl` command first.
//
// Lab 06 introduces it. Read names.go, then host_linux.go (the host side),
// then container_linux.go.
package bridge
