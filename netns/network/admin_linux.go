package network

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"

	"github.com/skiffrun/skiff/netns"
	"github.com/skiffrun/skiff/netns/bridge"
	"github.com/skiffrun/skiff/netns/ipam"
)

// Endpoint is a container as `skiff network inspect` shows it.
type Endpoint struct {
	ContainerID string       `json:"containerID"`
	Name        string       `json:"name,omitempty"`
	IP          netip.Prefix `json:"ip"`
	HostVeth    string       `json:"hostVeth"`
	Ports       []string     `json:"ports,omitempty"`
}

// Status is a network and the containers on it.
type Status struct {
	Network
	Builtin    bool       `json:"builtin"`
	Containers []Endpoint `json:"containers"`
}

// List returns every network with its containers.
func (m *Manager) List() ([]Status, error) {
	nets, err := m.networks()
	if err != nil {
		return nil, err
	}
	recs, err := m.records()
	if err != nil {
		return nil, err
	}
	out := make([]Status, 0, len(nets))
	for i, n := range nets {
		s := Status{Network: n, Builtin: i == 0, Containers: []Endpoint{}}
		for _, a := range recs {
			if a.Mode.Kind == KindBridge && a.Mode.Network == n.Name {
				s.Containers = append(s.Containers, endpoint(a))
			}
		}
		out = append(out, s)
	}
	return out, nil
}

func endpoint(a *Attachment) Endpoint {
	e := Endpoint{ContainerID: a.ContainerID, Name: a.Name, IP: a.IP, HostVeth: a.HostVeth}
	for _, p := range a.Ports {
		e.Ports = append(e.Ports, p.String())
	}
	return e
}

// Inspect returns one network with its containers.
func (m *Manager) Inspect(name string) (Status, error) {
	all, err := m.List()
	if err != nil {
		return Status{}, err
	}
	for _, s := range all {
		if s.Name == name {
			return s, nil
		}
	}
	return Status{}, fmt.Errorf("network %s: %w; see `skiff network ls`", name, ErrUnknownNetwork)
}

// Create defines a user-defined bridge network. The bridge itself is made
// when the first container joins. A zero Subnet picks a free 10.199.N.0/24.
func (m *Manager) Create(ctx context.Context, log *slog.Logger, n Network) (Network, error) {
	if err := ctx.Err(); err != nil {
		return n, err
	}
	if reserved[n.Name] {
		return n, fmt.Errorf("name %s: %w: pick another name", n.Name, ErrBuiltin)
	}
	unlock, err := m.lock()
	if err != nil {
		return n, err
	}
	defer unlock()
	nets, err := m.networks()
	if err != nil {
		return n, err
	}
	used, err := m.usedSubnets(nets)
	if err != nil {
		return n, err
	}
	if n, err = completeNew(n, nets, used); err != nil {
		return n, err
	}
	if err := writeJSON(m.configPath(n.Name), n); err != nil {
		return n, fmt.Errorf("save network %s: %w", n.Name, err)
	}
	log.Info("network created", "name", n.Name, "subnet", n.Subnet, "bridge", n.Bridge)
	return n, nil
}

// completeNew validates a new network against the existing ones.
func completeNew(n Network, nets []Network, used []Used) (Network, error) {
	if n.Name != "" && !n.Subnet.IsValid() {
		p, err := pickSubnet(used)
		if err != nil {
			return n, err
		}
		n.Subnet = p
	}
	n, err := n.complete()
	if err != nil {
		return n, err
	}
	for _, o := range nets {
		if o.Name == n.Name {
			return n, fmt.Errorf("network %s: %w", n.Name, ErrNetworkExists)
		}
		if o.Bridge == n.Bridge {
			return n, invalid("--bridge", n.Bridge, "already the bridge of network "+o.Name)
		}
	}
	return n, checkOverlap(n.Subnet, used)
}

// usedSubnets are the subnets of the networks and the host's routes.
func (m *Manager) usedSubnets(nets []Network) ([]Used, error) {
	var used []Used
	skip := map[string]bool{}
	for _, n := range nets {
		used = append(used, Used{Subnet: n.Subnet, By: "network " + n.Name})
		skip[n.Bridge] = true
	}
	host, err := bridge.OpenHost(m.cfg.HostNS, nil)
	if err != nil {
		return nil, err
	}
	defer host.Close()
	routes, err := host.Routes()
	if err != nil {
		return nil, err
	}
	for _, r := range routes {
		if !skip[r.Dev] {
			used = append(used, Used{Subnet: r.Dst, By: fmt.Sprintf("route %s dev %s", r.Dst, r.Dev)})
		}
	}
	return used, nil
}

// Remove deletes a user-defined network that has no containers.
func (m *Manager) Remove(ctx context.Context, log *slog.Logger, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if name == DefaultName {
		return fmt.Errorf("network %s: %w: it cannot be removed", name, ErrBuiltin)
	}
	unlock, err := m.lock()
	if err != nil {
		return err
	}
	defer unlock()
	s, err := m.Inspect(name)
	if err != nil {
		return err
	}
	if len(s.Containers) > 0 {
		return fmt.Errorf("network %s: %w (%s); remove them first", name, ErrNetworkInUse, s.Containers[0].ContainerID)
	}
	if err := m.removeNetwork(s.Network); err != nil {
		return err
	}
	log.Info("network removed", "name", name)
	return nil
}

func (m *Manager) removeNetwork(n Network) error {
	if err := m.removeBridgeIfUnused(n.Name, n.Bridge, nil); err != nil {
		return err
	}
	if err := os.RemoveAll(m.ipamDir(n.Name)); err != nil {
		return fmt.Errorf("remove leases of %s: %w", n.Name, err)
	}
	if err := os.Remove(m.configPath(n.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove network %s: %w", n.Name, err)
	}
	return nil
}

// PruneReport says what Prune removed.
type PruneReport struct {
	Containers []string     `json:"containers"` // stale attachments (their container is gone)
	Leases     []netip.Addr `json:"leases"`     // addresses leased to nobody
	Networks   []string     `json:"networks"`   // unused user-defined networks
}

// Prune cleans up after crashes and removes unused networks: attachments
// whose namespace is gone (or is now another one: a reused PID), leases
// without an attachment, bridges without containers, and user-defined
// networks without containers (as `docker network prune` does).
func (m *Manager) Prune(ctx context.Context, log *slog.Logger) (PruneReport, error) {
	var rep PruneReport
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	unlock, err := m.lock()
	if err != nil {
		return rep, err
	}
	defer unlock()
	live, err := m.pruneStale(&rep)
	if err != nil {
		return rep, err
	}
	if err := m.pruneLeasesAndNetworks(live, &rep); err != nil {
		return rep, err
	}
	log.Info("network prune", "containers", len(rep.Containers), "leases", len(rep.Leases), "networks", len(rep.Networks))
	return rep, m.syncNAT(live)
}

// stale reports whether a's namespace is no longer the one it attached.
func stale(a *Attachment) bool {
	if a.Mode.Kind == KindHost {
		return false // nothing to check; the runtime detaches it
	}
	id, err := netns.Stat(a.NetnsPath)
	return err != nil || id != a.NetnsID
}

func (m *Manager) pruneStale(rep *PruneReport) ([]*Attachment, error) {
	recs, err := m.records()
	if err != nil {
		return nil, err
	}
	var live []*Attachment
	for _, a := range recs {
		if !stale(a) {
			live = append(live, a)
			continue
		}
		if err := m.detach(a); err != nil {
			return nil, fmt.Errorf("prune %s: %w", a.ContainerID, err)
		}
		rep.Containers = append(rep.Containers, a.ContainerID)
	}
	return live, nil
}

func (m *Manager) pruneLeasesAndNetworks(live []*Attachment, rep *PruneReport) error {
	keep := map[string]bool{}
	inUse := map[string]bool{}
	for _, a := range live {
		keep[a.ContainerID] = true
		if a.Mode.Kind == KindBridge {
			inUse[a.Mode.Network] = true
		}
	}
	nets, err := m.networks()
	if err != nil {
		return err
	}
	for i, n := range nets {
		store := &ipam.Store{Dir: m.ipamDir(n.Name)}
		freed, err := store.ReleaseUnless(func(id string) bool { return keep[id] })
		if err != nil {
			return err
		}
		rep.Leases = append(rep.Leases, freed...)
		if inUse[n.Name] {
			continue
		}
		if i == 0 {
			err = errors.Join(m.removeBridgeIfUnused(n.Name, n.Bridge, nil), os.RemoveAll(m.ipamDir(n.Name)))
		} else {
			err = m.removeNetwork(n)
			rep.Networks = append(rep.Networks, n.Name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
