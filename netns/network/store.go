package network

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/skiffrun/skiff/netns"
	"github.com/skiffrun/skiff/netns/nat"
	"golang.org/x/sys/unix"
)

// Attachment is what a container got from Attach; it is also the record
// kept under StateDir/containers until Detach.
type Attachment struct {
	ContainerID string            `json:"containerID"`
	Name        string            `json:"name,omitempty"`
	Hostname    string            `json:"hostname"`
	Mode        Mode              `json:"mode"`
	NetnsPath   string            `json:"netnsPath,omitempty"` // the namespace the container lives in
	NetnsID     netns.ID          `json:"netnsID"`             // to tell a reused PID from the container
	Bridge      string            `json:"bridge,omitempty"`
	HostVeth    string            `json:"hostVeth,omitempty"`
	Interface   string            `json:"interface,omitempty"` // eth0
	IP          netip.Prefix      `json:"ip,omitzero"`         // 10.199.0.2/24
	Gateway     netip.Addr        `json:"gateway,omitzero"`
	MTU         int               `json:"mtu,omitempty"`
	Ports       []nat.PortMapping `json:"ports,omitempty"`
	FilesDir    string            `json:"filesDir,omitempty"`
	Files       Files             `json:"files"`
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

func (m *Manager) containersDir() string       { return filepath.Join(m.cfg.StateDir, "containers") }
func (m *Manager) recordPath(id string) string { return filepath.Join(m.containersDir(), id+".json") }
func (m *Manager) ipamDir(network string) string {
	return filepath.Join(m.cfg.StateDir, "ipam", network)
}
func (m *Manager) configPath(name string) string { return filepath.Join(m.cfg.ConfigDir, name+".json") }

// lock takes the manager-wide flock; every change happens under it.
func (m *Manager) lock() (func(), error) {
	if err := os.MkdirAll(m.cfg.StateDir, 0o755); err != nil {
		return nil, fmt.Errorf("network state dir: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(m.cfg.StateDir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("network lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("network lock: %w", err)
	}
	return func() { f.Close() }, nil
}

func writeJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (m *Manager) save(a *Attachment) error {
	if err := writeJSON(m.recordPath(a.ContainerID), a); err != nil {
		return fmt.Errorf("save attachment %s: %w", a.ContainerID, err)
	}
	return nil
}

// load returns the record of id, or an error wrapping os.ErrNotExist.
func (m *Manager) load(id string) (*Attachment, error) {
	b, err := os.ReadFile(m.recordPath(id))
	if err != nil {
		return nil, err
	}
	var a Attachment
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("attachment %s: %w", id, err)
	}
	return &a, nil
}

func (m *Manager) drop(id string) error {
	if err := os.Remove(m.recordPath(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove attachment %s: %w", id, err)
	}
	return nil
}

// records returns every attachment, sorted by container ID.
func (m *Manager) records() ([]*Attachment, error) {
	entries, err := os.ReadDir(m.containersDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	var out []*Attachment
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		a, err := m.load(id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ContainerID < out[j].ContainerID })
	return out, nil
}

// userNetworks returns the user-defined networks, sorted by name.
func (m *Manager) userNetworks() ([]Network, error) {
	entries, err := os.ReadDir(m.cfg.ConfigDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	var out []Network
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(m.cfg.ConfigDir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read network: %w", err)
		}
		var n Network
		if err := json.Unmarshal(b, &n); err != nil {
			return nil, fmt.Errorf("network %s: %w", e.Name(), err)
		}
		out = append(out, n)
	}
	return out, nil
}

// networks returns the default network first, then the user-defined ones.
func (m *Manager) networks() ([]Network, error) {
	user, err := m.userNetworks()
	return append([]Network{m.cfg.Default}, user...), err
}

// network returns the network called name.
func (m *Manager) network(name string) (Network, error) {
	all, err := m.networks()
	if err != nil {
		return Network{}, err
	}
	for _, n := range all {
		if n.Name == name {
			return n, nil
		}
	}
	return Network{}, fmt.Errorf("--network %s: %w; see `skiff network ls`", name, ErrUnknownNetwork)
}
