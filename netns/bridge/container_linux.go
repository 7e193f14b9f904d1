package bridge

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/skiffrun/skiff/netns/explain"
	"github.com/vishvananda/netlink"
)

// Container configures the inside of a container's network namespace.
type Container struct {
	h   *netlink.Handle
	x   explain.Func
	pre string
}

// OpenContainer returns a Container for the namespace at path.
func OpenContainer(path string, x explain.Func) (*Container, error) {
	h, err := handleAt(path)
	if err != nil {
		return nil, err
	}
	return &Container{h: h, x: x, pre: explain.In(path)}, nil
}

// Close releases the netlink sockets.
func (c *Container) Close() { c.h.Close() }

func (c *Container) explain(format string, args ...any) { c.x.Printf(c.pre+format, args...) }

// LoopbackUp brings lo up: every network namespace starts with lo down.
func (c *Container) LoopbackUp() error {
	lo, err := c.h.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("link lo: %w", err)
	}
	c.explain("ip link set lo up")
	if err := c.h.LinkSetUp(lo); err != nil {
		return fmt.Errorf("ip link set lo up: %w", err)
	}
	return nil
}

// Configure gives eth0 its address, brings it up and routes everything
// else through the gateway (the bridge).
func (c *Container) Configure(addr netip.Prefix, gw netip.Addr) error {
	eth, err := c.h.LinkByName(ContainerIfname)
	if err != nil {
		return fmt.Errorf("link %s: %w", ContainerIfname, err)
	}
	c.explain("ip addr add %s dev %s", addr, ContainerIfname)
	a := &netlink.Addr{IPNet: &net.IPNet{IP: addr.Addr().AsSlice(), Mask: net.CIDRMask(addr.Bits(), 32)}}
	if err := c.h.AddrAdd(eth, a); err != nil {
		return fmt.Errorf("ip addr add %s dev %s: %w", addr, ContainerIfname, err)
	}
	c.explain("ip link set %s up", ContainerIfname)
	if err := c.h.LinkSetUp(eth); err != nil {
		return fmt.Errorf("ip link set %s up: %w", ContainerIfname, err)
	}
	c.explain("ip route add default via %s dev %s", gw, ContainerIfname)
	route := &netlink.Route{LinkIndex: eth.Attrs().Index, Gw: gw.AsSlice()}
	if err := c.h.RouteAdd(route); err != nil {
		return fmt.Errorf("ip route add default via %s: %w", gw, err)
	}
	return nil
}
