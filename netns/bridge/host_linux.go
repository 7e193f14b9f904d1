package bridge

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/skiffrun/skiff/netns"
	"github.com/skiffrun/skiff/netns/explain"
	"github.com/vishvananda/netlink"
	vnetns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Host changes links in the host namespace: the one skiff runs in, or, in
// tests, a disposable namespace standing in for it.
type Host struct {
	ns  string // "" for the current namespace
	h   *netlink.Handle
	x   explain.Func
	pre string // explain prefix that runs a command in ns
}

// OpenHost returns a Host for the namespace at path ("" is the current one).
func OpenHost(path string, x explain.Func) (*Host, error) {
	h, err := handleAt(path)
	if err != nil {
		return nil, err
	}
	return &Host{ns: path, h: h, x: x, pre: explain.In(path)}, nil
}

func handleAt(path string) (*netlink.Handle, error) {
	if path == "" {
		h, err := netlink.NewHandle()
		if err != nil {
			return nil, fmt.Errorf("netlink: %w", err)
		}
		return h, nil
	}
	ns, err := vnetns.GetFromPath(path)
	if err != nil {
		return nil, fmt.Errorf("open netns %s: %w", path, err)
	}
	defer ns.Close()
	// Routing netlink only: kernels built without xfrm refuse the other
	// families that NewHandleAt opens by default.
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("netlink in %s: %w", path, err)
	}
	return h, nil
}

// Close releases the netlink sockets.
func (h *Host) Close() { h.h.Close() }

func (h *Host) explain(format string, args ...any) { h.x.Printf(h.pre+format, args...) }

// Route is an IPv4 route of the host's main table.
type Route struct {
	Dst netip.Prefix
	Dev string
}

// Routes lists the host's IPv4 routes other than the default route, which
// new subnets must not overlap.
func (h *Host) Routes() ([]Route, error) {
	routes, err := h.h.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		return nil, fmt.Errorf("list routes: %w", err)
	}
	var out []Route
	for _, r := range routes {
		if r.Dst == nil {
			continue
		}
		p, ok := netipPrefix(r.Dst)
		if !ok || p.Bits() == 0 {
			continue
		}
		dev := ""
		if l, err := h.h.LinkByIndex(r.LinkIndex); err == nil {
			dev = l.Attrs().Name
		}
		out = append(out, Route{Dst: p, Dev: dev})
	}
	return out, nil
}

func netipPrefix(n *net.IPNet) (netip.Prefix, bool) {
	a, ok := netip.AddrFromSlice(n.IP.To4())
	if !ok {
		return netip.Prefix{}, false
	}
	bits, _ := n.Mask.Size()
	return netip.PrefixFrom(a, bits).Masked(), true
}

// LinkExists reports whether the host has a link called name.
func (h *Host) LinkExists(name string) (bool, error) {
	_, err := h.h.LinkByName(name)
	var nf netlink.LinkNotFoundError
	if errors.As(err, &nf) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("link %s: %w", name, err)
	}
	return true, nil
}

// EnsureBridge creates the bridge name with the gateway address gw (such
// as 10.199.0.1/24) unless it exists, and reports whether it created it.
// A half-made bridge is deleted again.
func (h *Host) EnsureBridge(name string, gw netip.Prefix, mtu int) (created bool, err error) {
	exists, err := h.LinkExists(name)
	if err != nil || exists {
		return false, err
	}
	h.explain("ip link add %s mtu %d type bridge", name, mtu)
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name, MTU: mtu}}
	if err := h.h.LinkAdd(br); err != nil {
		return false, fmt.Errorf("ip link add %s type bridge: %w", name, err)
	}
	if err := h.setupBridge(br, gw); err != nil {
		h.DeleteLink(name)
		return false, err
	}
	return true, nil
}

func (h *Host) setupBridge(br *netlink.Bridge, gw netip.Prefix) error {
	name := br.Name
	h.explain("ip addr add %s dev %s", gw, name)
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: gw.Addr().AsSlice(), Mask: net.CIDRMask(gw.Bits(), 32)}}
	if err := h.h.AddrAdd(br, addr); err != nil {
		return fmt.Errorf("ip addr add %s dev %s: %w", gw, name, err)
	}
	// Let packets from 127.0.0.1 (DNATed to a published port) leave
	// through the bridge instead of being dropped as martians.
	if err := h.Sysctl("net.ipv4.conf."+name+".route_localnet", "1"); err != nil {
		return err
	}
	h.explain("ip link set %s up", name)
	if err := h.h.LinkSetUp(br); err != nil {
		return fmt.Errorf("ip link set %s up: %w", name, err)
	}
	return nil
}

// DeleteLink deletes a link (a veth's peer goes with it). A missing link is
// not an error, nor one that vanishes meanwhile (the kernel deletes a veth
// by itself when the namespace of its peer is destroyed).
func (h *Host) DeleteLink(name string) error {
	l, err := h.h.LinkByName(name)
	var nf netlink.LinkNotFoundError
	if errors.As(err, &nf) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("link %s: %w", name, err)
	}
	h.explain("ip link del %s", name)
	if err := h.h.LinkDel(l); err != nil && !errors.Is(err, unix.ENODEV) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("ip link del %s: %w", name, err)
	}
	return nil
}

// AddVeth creates a veth pair: name in the host, enslaved to bridge and up,
// and its peer eth0 created directly inside the namespace at ctrNS.
func (h *Host) AddVeth(name, bridge string, mtu int, ctrNS string) error {
	br, err := h.h.LinkByName(bridge)
	if err != nil {
		return fmt.Errorf("bridge %s: %w", bridge, err)
	}
	f, err := os.Open(ctrNS)
	if err != nil {
		return fmt.Errorf("container netns: %w", err)
	}
	defer f.Close()
	h.explain("ip link add %s mtu %d master %s up type veth peer name %s netns %s",
		name, mtu, bridge, ContainerIfname, explain.NetnsArg(ctrNS))
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: name, MTU: mtu, MasterIndex: br.Attrs().Index, Flags: net.FlagUp},
		PeerName:      ContainerIfname,
		PeerNamespace: netlink.NsFd(f.Fd()),
	}
	if err := h.h.LinkAdd(veth); err != nil {
		return fmt.Errorf("ip link add %s type veth: %w", name, err)
	}
	// Hairpin lets a container reach its own published port through the
	// host: the bridge may then send a frame back out of the port it came in.
	h.explain("ip link set %s type bridge_slave hairpin on", name)
	if err := h.h.LinkSetHairpin(veth, true); err != nil {
		h.DeleteLink(name)
		return fmt.Errorf("hairpin on %s: %w", name, err)
	}
	return nil
}

// Sysctl sets a sysctl of the host namespace (/proc/sys/net is per
// namespace, so in a test host it is written from a thread inside it).
// Nothing is written when the value is already right.
func (h *Host) Sysctl(key, value string) error {
	file := filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
	set := func() error {
		cur, err := os.ReadFile(file)
		if err == nil && strings.TrimSpace(string(cur)) == value {
			return nil
		}
		h.explain("sysctl -w %s=%s", key, value)
		if err := os.WriteFile(file, []byte(value), 0o644); err != nil {
			return fmt.Errorf("sysctl %s=%s: %w", key, value, err)
		}
		return nil
	}
	if h.ns == "" {
		return set()
	}
	return netns.Do(h.ns, set)
}
