// Package netns creates, enters and removes network namespaces.
//
// A network namespace is a private copy of the network stack: its own
// links, addresses, routes, nftables tables and sysctls under
// /proc/sys/net. The kernel keeps one alive while a process lives in it or
// while a file descriptor or a bind mount refers to it. "Named" namespaces
// are exactly that: an nsfs file bind-mounted onto an ordinary file, the
// trick `ip netns add NAME` plays under /run/netns. skiff keeps its own
// under <root>/netns (default /run/skiff/netns).
//
// Entering a namespace from Go needs care, because setns(2) changes only
// the calling OS thread while the Go scheduler moves goroutines between
// threads. Do shows the safe pattern: lock the goroutine to its thread,
// setns, run, setns back, unlock; if switching back fails the thread is
// left locked so that Go destroys it when the goroutine ends.
//
// Lab 06 (container networking) introduces this package. Read netns_linux.go
// first, then the sub-packages in this order: explain (the `ip`/`nft`
// commands every change is printed as), ipam (addresses), bridge (links),
// nat (nftables), network (the API the runtime calls).
package netns
