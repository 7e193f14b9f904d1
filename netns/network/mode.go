package network

import (
	"strings"

	"github.com/skiffrun/skiff/netns/nat"
)

// Kinds of network a container can have.
const (
	KindBridge    = "bridge"
	KindHost      = "host"
	KindNone      = "none"
	KindContainer = "container"
)

// Mode is a parsed --network value.
type Mode struct {
	Kind      string // KindBridge, KindHost, KindNone, KindContainer
	Network   string // KindBridge: the network's name
	Container string // KindContainer: the other container's name or ID
}

// ParseMode parses --network: "" or bridge, host, none, container:NAME, or
// the name of a user-defined network.
func ParseMode(s string) (Mode, error) {
	switch {
	case s == "" || s == DefaultName:
		return Mode{Kind: KindBridge, Network: DefaultName}, nil
	case s == KindHost || s == KindNone:
		return Mode{Kind: s}, nil
	case strings.HasPrefix(s, "container:"):
		target := strings.TrimPrefix(s, "container:")
		if target == "" {
			return Mode{}, invalid("--network", s, "container:NAME needs the name or ID of a running container")
		}
		return Mode{Kind: KindContainer, Container: target}, nil
	case nameRE.MatchString(s):
		return Mode{Kind: KindBridge, Network: s}, nil
	}
	return Mode{}, invalid("--network", s, "bridge, host, none, container:NAME or the name of a network from `skiff network ls`")
}

// String is the --network form of m.
func (m Mode) String() string {
	switch m.Kind {
	case KindBridge:
		return m.Network
	case KindContainer:
		return "container:" + m.Container
	}
	return m.Kind
}

// Placement tells the runtime where a container's init must live before
// Attach: in a new network namespace (clone with CLONE_NEWNET), in the
// host's (no flag), or in an existing one it joins with setns.
type Placement struct {
	NewNetns bool
	JoinPath string // KindContainer: the namespace to join
}

// ParsePorts parses every -p value (see nat.ParsePort) and refuses the same
// host port twice.
func ParsePorts(specs []string) ([]nat.PortMapping, error) {
	var out []nat.PortMapping
	for _, s := range specs {
		p, err := nat.ParsePort(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nat.CheckFree(out, nil)
}
