package nat

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// Table is the name of skiff's nftables table (family ip).
const Table = "skiff"

// The base chains of the table, in the order they are created.
const (
	Prerouting  = "prerouting"
	Output      = "output"
	Postrouting = "postrouting"
)

// Network is a bridge network with at least one container on it.
type Network struct {
	Name   string
	Bridge string
	Subnet netip.Prefix
}

// Publish is the published ports of one container.
type Publish struct {
	ContainerID string
	IP          netip.Addr
	Ports       []PortMapping
}

// Rule is one nftables rule: the chain it goes to, its nft text (what
// `nft list table ip skiff` shows and what explain prints) and the same
// rule as the expressions sent to the kernel.
type Rule struct {
	Chain   string
	Text    string
	Comment string
	Exprs   []expr.Any
}

// Rules computes the whole content of the table. Order is stable: networks
// by name, then containers by ID, so two syncs of the same state are equal.
func Rules(nets []Network, pubs []Publish) []Rule {
	nets = append([]Network(nil), nets...)
	sort.Slice(nets, func(i, j int) bool { return nets[i].Name < nets[j].Name })
	pubs = append([]Publish(nil), pubs...)
	sort.Slice(pubs, func(i, j int) bool { return pubs[i].ContainerID < pubs[j].ContainerID })
	var out []Rule
	for _, n := range nets {
		out = append(out, networkRules(n)...)
	}
	for _, p := range pubs {
		for _, m := range p.Ports {
			out = append(out, portRules(p.ContainerID, p.IP, m)...)
		}
	}
	return out
}

// networkRules are the three masquerade rules of a bridge network.
func networkRules(n Network) []Rule {
	c := "skiff network " + n.Name
	egress := new(builder).saddrIn(n.Subnet).oifname(false, n.Bridge).masquerade()
	localhost := new(builder).oifname(true, n.Bridge).saddrIn(netip.MustParsePrefix("127.0.0.0/8")).masquerade()
	// A container reaching a published port through the host, its own or a
	// neighbour's: without masquerade the reply would go straight back over
	// the bridge and never be un-NATed. (Not matched on iifname: with
	// br_netfilter the input device is the bridge port, not the bridge.)
	hairpin := new(builder).oifname(true, n.Bridge).saddrIn(n.Subnet).ctDNAT().masquerade()
	return []Rule{
		egress.rule(Postrouting, c+": egress"),
		localhost.rule(Postrouting, c+": from 127.0.0.1 to published ports"),
		hairpin.rule(Postrouting, c+": hairpin to published ports"),
	}
}

// portRules send a published port to the container, for packets from other
// hosts (prerouting) and from the host itself (output).
func portRules(id string, ip netip.Addr, m PortMapping) []Rule {
	b := new(builder).fibDaddrLocal()
	if m.HostIP.IsValid() {
		b.daddr(m.HostIP)
	}
	b.dport(m.Proto, m.HostPort).dnat(ip, m.ContainerPort)
	c := fmt.Sprintf("skiff container %s: -p %s", id, m)
	return []Rule{b.rule(Prerouting, c), b.rule(Output, c)}
}

// builder accumulates a rule's nft text and its expressions side by side.
type builder struct {
	text  []string
	exprs []expr.Any
}

func (b *builder) add(text string, exprs ...expr.Any) *builder {
	b.text = append(b.text, text)
	b.exprs = append(b.exprs, exprs...)
	return b
}

func (b *builder) rule(chain, comment string) Rule {
	return Rule{
		Chain:   chain,
		Text:    strings.Join(b.text, " ") + fmt.Sprintf(" comment %q", comment),
		Comment: comment,
		Exprs:   append([]expr.Any(nil), b.exprs...),
	}
}

// ip saddr 10.199.0.0/24
func (b *builder) saddrIn(p netip.Prefix) *builder {
	mask := binary.BigEndian.AppendUint32(nil, ^uint32(0)<<(32-p.Bits()))
	addr := p.Addr().As4()
	return b.add("ip saddr "+p.String(),
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask, Xor: make([]byte, 4)},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: addr[:]})
}

// ip daddr 192.0.2.1
func (b *builder) daddr(a netip.Addr) *builder {
	addr := a.As4()
	return b.add("ip daddr "+a.String(),
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: addr[:]})
}

func ifname(name string) []byte {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return b
}

// oifname "skiff0" / oifname != "skiff0"
func (b *builder) oifname(equal bool, name string) *builder {
	op, text := expr.CmpOpEq, fmt.Sprintf("oifname %q", name)
	if !equal {
		op, text = expr.CmpOpNeq, fmt.Sprintf("oifname != %q", name)
	}
	return b.add(text,
		&expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1},
		&expr.Cmp{Op: op, Register: 1, Data: ifname(name)})
}

// ct status dnat: the packet's connection had its destination rewritten.
func (b *builder) ctDNAT() *builder {
	return b.add("ct status dnat",
		&expr.Ct{Register: 1, Key: expr.CtKeySTATUS},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
			Mask: binaryutil.NativeEndian.PutUint32(0x20), Xor: make([]byte, 4)}, // IPS_DST_NAT
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: make([]byte, 4)})
}

// fib daddr type local: the destination is one of this host's addresses
// (127.0.0.1 included), so traffic merely routed through is left alone.
func (b *builder) fibDaddrLocal() *builder {
	return b.add("fib daddr type local",
		&expr.Fib{Register: 1, FlagDADDR: true, ResultADDRTYPE: true},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(unix.RTN_LOCAL)})
}

// tcp dport 8080
func (b *builder) dport(proto string, port uint16) *builder {
	num := byte(unix.IPPROTO_TCP)
	if proto == "udp" {
		num = unix.IPPROTO_UDP
	}
	return b.add(fmt.Sprintf("%s dport %d", proto, port),
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{num}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.BigEndian.PutUint16(port)})
}

// dnat to 10.199.0.2:80
func (b *builder) dnat(ip netip.Addr, port uint16) *builder {
	addr := ip.As4()
	return b.add(fmt.Sprintf("dnat to %s:%d", ip, port),
		&expr.Immediate{Register: 1, Data: addr[:]},
		&expr.Immediate{Register: 2, Data: binaryutil.BigEndian.PutUint16(port)},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4,
			RegAddrMin: 1, RegProtoMin: 2, Specified: true})
}

// masquerade: rewrite the source to the address of the outgoing interface.
func (b *builder) masquerade() *builder { return b.add("masquerade", &expr.Masq{}) }
