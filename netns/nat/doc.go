// Package nat writes skiff's nftables table: masquerade so containers reach
// the outside world through the host's address, and DNAT for published ports
// (`-p 8080:80`) so the world reaches containers through the host's.
//
// skiff owns one table, `table ip skiff`, with three NAT base chains:
//
//	prerouting  (hook prerouting, priority dstnat)  packets from other hosts
//	output      (hook output, priority dstnat)      packets the host itself sends
//	postrouting (hook postrouting, priority srcnat) masquerade
//
// Its content is computed from the current state (Rules: networks in use
// plus published ports, a pure function) and applied in one atomic nftables
// transaction (Sync: add table and chains, flush, add every rule), the way
// kube-proxy's nftables mode resyncs. No iptables or nft binary is needed:
// github.com/google/nftables speaks netlink directly.
//
// Lab 06 introduces it. Read port.go (the -p syntax), rules.go (the rules
// and their nft text), then sync_linux.go.
package nat
