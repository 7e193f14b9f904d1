// Package ipam hands out IPv4 addresses of a subnet to containers, one per
// container ID, in the style of the CNI host-local plugin: the state is a
// directory with one file per leased address (named by the address, holding
// the container ID), a last_reserved_ip file so addresses are reused as late
// as possible, and a lock file that every operation holds with flock(2), so
// two skiff processes never lease the same address.
//
// Lab 06 introduces it. Read pool.go (which addresses a subnet offers, pure)
// then store.go (the leases on disk).
package ipam
