package nat

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// PortMapping is one published port: traffic to HostIP:HostPort (any local
// address when HostIP is zero) is sent to the container's ContainerPort.
type PortMapping struct {
	HostIP        netip.Addr `json:"hostIP,omitzero"`
	HostPort      uint16     `json:"hostPort"`
	ContainerPort uint16     `json:"containerPort"`
	Proto         string     `json:"proto"` // "tcp" or "udp"
}

const portSyntax = "want [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp], e.g. 8080:80 or 127.0.0.1:8080:80/tcp"

// ParsePort parses the value of -p: [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp].
func ParsePort(s string) (PortMapping, error) {
	bad := func(why string) (PortMapping, error) {
		return PortMapping{}, fmt.Errorf("-p %q: %w: %s; %s", s, ErrBadPort, why, portSyntax)
	}
	m := PortMapping{Proto: "tcp"}
	spec := s
	if i := strings.LastIndexByte(spec, '/'); i >= 0 {
		m.Proto = spec[i+1:]
		spec = spec[:i]
		if m.Proto != "tcp" && m.Proto != "udp" {
			return bad("protocol " + strconv.Quote(m.Proto) + " is not tcp or udp")
		}
	}
	parts := strings.Split(spec, ":")
	switch len(parts) {
	case 2:
	case 3:
		ip, err := netip.ParseAddr(parts[0])
		if err != nil || !ip.Is4() {
			return bad("host IP " + strconv.Quote(parts[0]) + " is not an IPv4 address")
		}
		if !ip.IsUnspecified() {
			m.HostIP = ip
		}
		parts = parts[1:]
	default:
		return bad("need a host port and a container port")
	}
	var err error
	if m.HostPort, err = parsePortNumber(parts[0]); err != nil {
		return bad("host port: " + err.Error())
	}
	if m.ContainerPort, err = parsePortNumber(parts[1]); err != nil {
		return bad("container port: " + err.Error())
	}
	return m, nil
}

func parsePortNumber(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not a number from 1 to 65535", s)
	}
	return uint16(n), nil
}

// String is the -p form of m.
func (m PortMapping) String() string {
	s := fmt.Sprintf("%d:%d/%s", m.HostPort, m.ContainerPort, m.Proto)
	if m.HostIP.IsValid() {
		s = m.HostIP.String() + ":" + s
	}
	return s
}

// Overlaps reports whether m and o claim the same host port: same protocol
// and port, and the same host IP or either one on all addresses.
func (m PortMapping) Overlaps(o PortMapping) bool {
	if m.Proto != o.Proto || m.HostPort != o.HostPort {
		return false
	}
	return !m.HostIP.IsValid() || !o.HostIP.IsValid() || m.HostIP == o.HostIP
}

// CheckFree returns ErrPortTaken, naming the owner, when one of want
// overlaps a port already published (published maps owner to ports) or
// another entry of want.
func CheckFree(want []PortMapping, published map[string][]PortMapping) error {
	for i, m := range want {
		for _, o := range want[:i] {
			if m.Overlaps(o) {
				return fmt.Errorf("-p %s: %w: also requested as -p %s", m, ErrPortTaken, o)
			}
		}
		for owner, ports := range published {
			for _, o := range ports {
				if m.Overlaps(o) {
					return fmt.Errorf("-p %s: %w by container %s (-p %s)", m, ErrPortTaken, owner, o)
				}
			}
		}
	}
	return nil
}
