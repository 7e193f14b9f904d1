package ipam

import (
	"fmt"
	"net/netip"
)

// Pool is the set of addresses of an IPv4 subnet that containers may get:
// every address but the network address, the broadcast address and the
// gateway (the bridge's own address).
type Pool struct {
	Subnet  netip.Prefix
	Gateway netip.Addr
}

// NewPool checks subnet and gateway. A zero gateway means the first
// address of the subnet (10.199.0.1 for 10.199.0.0/24).
func NewPool(subnet netip.Prefix, gateway netip.Addr) (Pool, error) {
	if !subnet.IsValid() || !subnet.Addr().Is4() {
		return Pool{}, fmt.Errorf("subnet %s: %w: want an IPv4 prefix such as 10.199.0.0/24", subnet, ErrBadSubnet)
	}
	if subnet != subnet.Masked() {
		return Pool{}, fmt.Errorf("subnet %s: %w: host bits set, did you mean %s", subnet, ErrBadSubnet, subnet.Masked())
	}
	if subnet.Bits() < 8 || subnet.Bits() > 30 {
		return Pool{}, fmt.Errorf("subnet %s: %w: prefix length must be between /8 and /30", subnet, ErrBadSubnet)
	}
	p := Pool{Subnet: subnet, Gateway: gateway}
	if !gateway.IsValid() {
		p.Gateway = subnet.Addr().Next()
	}
	if !p.usable(p.Gateway) {
		return Pool{}, fmt.Errorf("gateway %s: %w: must be a host address inside %s", gateway, ErrBadSubnet, subnet)
	}
	return p, nil
}

// first and last are the network and broadcast addresses.
func (p Pool) first() netip.Addr { return p.Subnet.Addr() }

func (p Pool) last() netip.Addr {
	a := p.Subnet.Addr().As4()
	host := uint32(1)<<(32-p.Subnet.Bits()) - 1
	v := (uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// usable reports whether a is a host address of the subnet.
func (p Pool) usable(a netip.Addr) bool {
	return p.Subnet.Contains(a) && a != p.first() && a != p.last()
}

// Contains reports whether a may be leased.
func (p Pool) Contains(a netip.Addr) bool { return p.usable(a) && a != p.Gateway }

// Size is the number of addresses that may be leased.
func (p Pool) Size() int { return 1<<(32-p.Subnet.Bits()) - 3 }

// next returns the leasable address after a, wrapping around the subnet.
func (p Pool) next(a netip.Addr) netip.Addr {
	for {
		a = a.Next()
		if !p.Subnet.Contains(a) {
			a = p.first()
			continue
		}
		if p.Contains(a) {
			return a
		}
	}
}

// Candidates returns the leasable addresses in the order they are tried:
// starting after last (the most recently leased address) and wrapping
// around, so a released address is reused as late as possible.
func (p Pool) Candidates(last netip.Addr) []netip.Addr {
	start := last
	if !p.Subnet.Contains(start) {
		start = p.first()
	}
	out := make([]netip.Addr, 0, p.Size())
	a := start
	for range p.Size() {
		a = p.next(a)
		out = append(out, a)
	}
	return out
}
