package network

import (
	"fmt"
	"net/netip"
	"regexp"

	"github.com/skiffrun/skiff/netns/bridge"
	"github.com/skiffrun/skiff/netns/ipam"
)

// Network is a bridge network: the bridge, its subnet and gateway (the
// bridge's own address), and the MTU of its links.
type Network struct {
	Name    string       `json:"name"`
	Bridge  string       `json:"bridge"`
	Subnet  netip.Prefix `json:"subnet"`
	Gateway netip.Addr   `json:"gateway"`
	MTU     int          `json:"mtu"`
}

// The default network.
const (
	DefaultName   = "bridge"
	DefaultBridge = "skiff0"
	DefaultMTU    = 1500
)

// DefaultSubnet is the subnet of the default network; see doc.go for why.
var DefaultSubnet = netip.MustParsePrefix("10.199.0.0/24")

// DefaultNetwork is the network containers join unless told otherwise.
func DefaultNetwork() Network {
	return Network{Name: DefaultName, Bridge: DefaultBridge, Subnet: DefaultSubnet,
		Gateway: DefaultSubnet.Addr().Next(), MTU: DefaultMTU}
}

// reserved names cannot be user-defined networks (they are modes).
var reserved = map[string]bool{DefaultName: true, "host": true, "none": true, "default": true}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

func invalid(field string, value any, allowed string) error {
	return fmt.Errorf("%s %q: %w: %s", field, fmt.Sprint(value), ErrInvalid, allowed)
}

// complete checks n and fills in defaults: bridge name, gateway, MTU.
// The subnet must already be set (see pickSubnet).
func (n Network) complete() (Network, error) {
	if !nameRE.MatchString(n.Name) {
		return n, invalid("name", n.Name, "use 1-64 lower-case letters, digits, '_', '.' or '-', starting with a letter or digit")
	}
	if n.Bridge == "" {
		n.Bridge = bridge.Name(n.Name)
	}
	if !bridge.ValidIfname(n.Bridge) {
		return n, invalid("--bridge", n.Bridge, "an interface name of 1-15 characters without spaces, '/' or ':'")
	}
	pool, err := ipam.NewPool(n.Subnet, n.Gateway)
	if err != nil {
		return n, fmt.Errorf("--subnet/--gateway: %w", err)
	}
	n.Gateway = pool.Gateway
	if n.MTU == 0 {
		n.MTU = DefaultMTU
	}
	if n.MTU < 576 || n.MTU > 65535 {
		return n, invalid("--mtu", n.MTU, "a number from 576 to 65535")
	}
	return n, nil
}

// Pool is the address pool of n.
func (n Network) Pool() ipam.Pool { return ipam.Pool{Subnet: n.Subnet, Gateway: n.Gateway} }

// GatewayPrefix is the bridge's address with the subnet's length.
func (n Network) GatewayPrefix() netip.Prefix { return netip.PrefixFrom(n.Gateway, n.Subnet.Bits()) }

// Used is a subnet already taken, and by what ("network bridge", "route
// 10.0.2.0/24 dev eth0").
type Used struct {
	Subnet netip.Prefix
	By     string
}

// checkOverlap returns ErrSubnetOverlap naming what subnet collides with.
func checkOverlap(subnet netip.Prefix, used []Used) error {
	for _, u := range used {
		if subnet.Overlaps(u.Subnet) {
			return fmt.Errorf("--subnet %s: %w %s (%s); choose another with --subnet", subnet, ErrSubnetOverlap, u.By, u.Subnet)
		}
	}
	return nil
}

// pickSubnet returns the first 10.199.N.0/24 (N = 1..255) that overlaps
// nothing in used.
func pickSubnet(used []Used) (netip.Prefix, error) {
	for n := 1; n <= 255; n++ {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 199, byte(n), 0}), 24)
		if checkOverlap(p, used) == nil {
			return p, nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("--subnet: %w: every 10.199.N.0/24 is taken; give one with --subnet", ErrSubnetOverlap)
}
