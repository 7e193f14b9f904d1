package network

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"

	"github.com/skiffrun/skiff/netns"
	"github.com/skiffrun/skiff/netns/bridge"
	"github.com/skiffrun/skiff/netns/explain"
	"github.com/skiffrun/skiff/netns/ipam"
	"github.com/skiffrun/skiff/netns/nat"
)

// Config says where the manager keeps state and which namespace is "the
// host". Zero fields get the defaults shown.
type Config struct {
	StateDir   string       // leases, attachments, lock; /run/skiff/net
	ConfigDir  string       // user-defined networks; /var/lib/skiff/networks
	HostNS     string       // namespace of the bridges and nftables; "" = the current one
	HostsFile  string       // copied for --network host; /etc/hosts
	ResolvConf string       // source of containers' resolv.conf; /etc/resolv.conf
	Default    Network      // the network called "bridge"; DefaultNetwork()
	Explain    explain.Func // receives every change as an ip/nft/sysctl command
}

// Manager attaches containers to networks. It is safe for concurrent use
// by several goroutines and processes: every change holds a flock.
type Manager struct{ cfg Config }

// New checks cfg and fills in its defaults.
func New(cfg Config) (*Manager, error) {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&cfg.StateDir, "/run/skiff/net")
	def(&cfg.ConfigDir, "/var/lib/skiff/networks")
	def(&cfg.HostsFile, "/etc/hosts")
	def(&cfg.ResolvConf, "/etc/resolv.conf")
	if cfg.Default.Name == "" {
		cfg.Default = DefaultNetwork()
	}
	cfg.Default.Name = DefaultName
	d, err := cfg.Default.complete()
	if err != nil {
		return nil, fmt.Errorf("default network: %w", err)
	}
	cfg.Default = d
	return &Manager{cfg: cfg}, nil
}

// AttachConfig is what the runtime knows about a new container.
type AttachConfig struct {
	ContainerID string
	Name        string // for peers' /etc/hosts; may be empty
	Hostname    string // default: the first 12 characters of the ID
	NetnsPath   string // the container's namespace: /proc/PID/ns/net or a named one
	Network     string // --network: "" (bridge), NAME, host, none, container:NAME
	Ports       []nat.PortMapping
	FilesDir    string // if set, hosts, hostname and resolv.conf are written here
}

var hostnameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$`)

func (c *AttachConfig) check(mode Mode) error {
	if !idRE.MatchString(c.ContainerID) {
		return invalid("container ID", c.ContainerID, "1-128 letters, digits, '_', '.' or '-'")
	}
	if c.Name != "" && !idRE.MatchString(c.Name) {
		return invalid("--name", c.Name, "letters, digits, '_', '.' or '-'")
	}
	if c.Hostname == "" {
		c.Hostname = c.ContainerID[:min(12, len(c.ContainerID))]
	}
	if !hostnameRE.MatchString(c.Hostname) {
		return invalid("--hostname", c.Hostname, "1-63 letters, digits, '-' or '.', starting with a letter or digit")
	}
	if len(c.Ports) > 0 && mode.Kind != KindBridge {
		return invalid("-p", c.Ports[0], "ports can only be published with --network bridge or a user-defined network")
	}
	if err := nat.CheckFree(c.Ports, nil); err != nil {
		return err
	}
	if (mode.Kind == KindBridge || mode.Kind == KindNone) && c.NetnsPath == "" {
		return invalid("netns path", "", "the container's own network namespace, e.g. /proc/PID/ns/net")
	}
	return nil
}

// Placement tells the runtime, before it starts a container's init, where
// its network namespace comes from (see Placement). Unknown networks and
// containers are reported here, before anything is created.
func (m *Manager) Placement(network string) (Placement, error) {
	mode, err := ParseMode(network)
	if err != nil {
		return Placement{}, err
	}
	switch mode.Kind {
	case KindHost:
		return Placement{}, nil
	case KindContainer:
		t, err := m.target(mode.Container)
		if err != nil {
			return Placement{}, err
		}
		return Placement{JoinPath: t.NetnsPath}, nil
	case KindBridge:
		if _, err := m.network(mode.Network); err != nil {
			return Placement{}, err
		}
	}
	return Placement{NewNetns: true}, nil
}

// target finds the attachment of container:NAME by name or ID.
func (m *Manager) target(nameOrID string) (*Attachment, error) {
	recs, err := m.records()
	if err != nil {
		return nil, err
	}
	for _, a := range recs {
		if (a.ContainerID == nameOrID || a.Name == nameOrID) && a.NetnsPath != "" {
			return a, nil
		}
	}
	return nil, fmt.Errorf("--network container:%s: %w", nameOrID, ErrUnknownContainer)
}

// Attach gives a container its network. Attaching an attached container
// returns its attachment unchanged. On error nothing it made remains.
func (m *Manager) Attach(ctx context.Context, log *slog.Logger, cfg AttachConfig) (*Attachment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	mode, err := ParseMode(cfg.Network)
	if err != nil {
		return nil, err
	}
	if err := cfg.check(mode); err != nil {
		return nil, err
	}
	unlock, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if a, err := m.load(cfg.ContainerID); err == nil {
		return a, nil
	}
	a := &Attachment{ContainerID: cfg.ContainerID, Name: cfg.Name, Hostname: cfg.Hostname,
		Mode: mode, NetnsPath: cfg.NetnsPath, FilesDir: cfg.FilesDir}
	switch mode.Kind {
	case KindBridge:
		err = m.attachBridge(cfg, a)
	case KindNone:
		err = m.attachNone(a)
	case KindHost:
		err = m.attachHost(a)
	case KindContainer:
		err = m.attachJoin(a)
	}
	if err != nil {
		return nil, fmt.Errorf("attach %s to network %s: %w", cfg.ContainerID, mode, err)
	}
	log.Info("network attached", "container", a.ContainerID, "network", mode.String(), "ip", a.IP)
	return a, nil
}

// undo is a stack of rollback steps, run in reverse on error.
type undo []func()

func (u *undo) push(f func()) { *u = append(*u, f) }

func (u undo) run() {
	for i := len(u) - 1; i >= 0; i-- {
		u[i]()
	}
}

// attachBridge is the full sequence for bridge networks, as named steps.
func (m *Manager) attachBridge(cfg AttachConfig, a *Attachment) (err error) {
	n, err := m.network(a.Mode.Network)
	if err != nil {
		return err
	}
	recs, err := m.records()
	if err != nil {
		return err
	}
	if err := nat.CheckFree(cfg.Ports, publishedPorts(recs)); err != nil {
		return err
	}
	if a.NetnsID, err = netns.Stat(a.NetnsPath); err != nil {
		return err
	}
	host, err := bridge.OpenHost(m.cfg.HostNS, m.cfg.Explain)
	if err != nil {
		return err
	}
	defer host.Close() // after the rollback, which uses host
	var rollback undo
	defer func() {
		if err != nil {
			rollback.run()
		}
	}()

	ip, err := m.leaseAddress(n, a.ContainerID, &rollback)
	if err != nil {
		return err
	}
	if err := m.ensureBridge(host, n, recs, &rollback); err != nil {
		return err
	}
	if err := m.addVeth(host, n, a, &rollback); err != nil {
		return err
	}
	a.Bridge, a.Interface, a.MTU = n.Bridge, bridge.ContainerIfname, n.MTU
	a.IP, a.Gateway, a.Ports = netip.PrefixFrom(ip, n.Subnet.Bits()), n.Gateway, cfg.Ports
	if err := m.configureInside(a); err != nil {
		return err
	}
	return m.commit(a, recs, &rollback)
}

func (m *Manager) leaseAddress(n Network, id string, rollback *undo) (netip.Addr, error) {
	store := &ipam.Store{Dir: m.ipamDir(n.Name), Pool: n.Pool()}
	ip, err := store.Allocate(id)
	if err != nil {
		return ip, fmt.Errorf("network %s: %w", n.Name, err)
	}
	rollback.push(func() { store.Release(id) })
	return ip, nil
}

// ensureBridge creates the network's bridge when it is the first container
// on it, after checking the subnet against the host's routes, and turns on
// IP forwarding so containers' packets are routed out.
func (m *Manager) ensureBridge(host *bridge.Host, n Network, recs []*Attachment, rollback *undo) error {
	exists, err := host.LinkExists(n.Bridge)
	if err != nil || exists {
		return err
	}
	routes, err := host.Routes()
	if err != nil {
		return err
	}
	if err := checkOverlap(n.Subnet, routeUses(routes, n.Bridge)); err != nil {
		return fmt.Errorf("network %s: %w", n.Name, err)
	}
	if _, err := host.EnsureBridge(n.Bridge, n.GatewayPrefix(), n.MTU); err != nil {
		return err
	}
	rollback.push(func() { host.DeleteLink(n.Bridge) })
	return host.Sysctl("net.ipv4.ip_forward", "1")
}

func routeUses(routes []bridge.Route, except string) []Used {
	var used []Used
	for _, r := range routes {
		if r.Dev != except {
			used = append(used, Used{Subnet: r.Dst, By: fmt.Sprintf("route %s dev %s", r.Dst, r.Dev)})
		}
	}
	return used
}

func (m *Manager) addVeth(host *bridge.Host, n Network, a *Attachment, rollback *undo) error {
	a.HostVeth = bridge.VethName(a.ContainerID)
	if err := host.AddVeth(a.HostVeth, n.Bridge, n.MTU, a.NetnsPath); err != nil {
		return err
	}
	rollback.push(func() { host.DeleteLink(a.HostVeth) })
	return nil
}

func (m *Manager) configureInside(a *Attachment) error {
	c, err := bridge.OpenContainer(a.NetnsPath, m.cfg.Explain)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.LoopbackUp(); err != nil {
		return err
	}
	return c.Configure(a.IP, a.Gateway)
}

// commit records the attachment, publishes its ports and writes its files
// and its peers' /etc/hosts.
func (m *Manager) commit(a *Attachment, recs []*Attachment, rollback *undo) error {
	all := append(recs, a)
	a.Files = m.files(a, all)
	if err := m.save(a); err != nil {
		return err
	}
	rollback.push(func() { m.drop(a.ContainerID) })
	if err := m.updateNAT(recs, all); err != nil {
		m.updateNAT(all, recs)
		return err
	}
	if err := m.writeFiles(a); err != nil {
		m.updateNAT(all, recs)
		return err
	}
	m.updatePeers(a, all)
	return nil
}

func (m *Manager) attachNone(a *Attachment) error {
	id, err := netns.Stat(a.NetnsPath)
	if err != nil {
		return err
	}
	a.NetnsID = id
	c, err := bridge.OpenContainer(a.NetnsPath, m.cfg.Explain)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.LoopbackUp(); err != nil {
		return err
	}
	a.Files = m.files(a, nil)
	return m.saveAndWrite(a)
}

func (m *Manager) attachHost(a *Attachment) error {
	a.NetnsPath = ""
	a.Files = m.files(a, nil)
	return m.saveAndWrite(a)
}

// attachJoin shares another container's namespace: nothing to set up but
// the record (so Detach and prune know it) and the other one's files.
func (m *Manager) attachJoin(a *Attachment) error {
	t, err := m.target(a.Mode.Container)
	if err != nil {
		return err
	}
	a.Mode.Container, a.NetnsPath, a.NetnsID = t.ContainerID, t.NetnsPath, t.NetnsID
	a.IP, a.Gateway = t.IP, t.Gateway
	a.Files = t.Files
	a.Files.Hostname = a.Hostname + "\n"
	return m.saveAndWrite(a)
}

func (m *Manager) saveAndWrite(a *Attachment) error {
	if err := m.save(a); err != nil {
		return err
	}
	if err := m.writeFiles(a); err != nil {
		m.drop(a.ContainerID)
		return err
	}
	return nil
}

// files computes a container's hosts, hostname and resolv.conf.
func (m *Manager) files(a *Attachment, all []*Attachment) Files {
	resolv, _ := os.ReadFile(m.cfg.ResolvConf)
	f := Files{Hostname: a.Hostname + "\n", ResolvConf: ResolvConf(string(resolv), a.Mode.Kind != KindHost)}
	if a.Mode.Kind == KindHost {
		hosts, _ := os.ReadFile(m.cfg.HostsFile)
		f.Hosts = string(hosts)
		return f
	}
	f.Hosts = HostsFile(a.IP.Addr(), []string{a.Hostname, a.Name}, peersOf(a, all))
	return f
}

// peersOf lists the other containers of a's bridge network.
func peersOf(a *Attachment, all []*Attachment) []Peer {
	var peers []Peer
	for _, o := range all {
		if o.ContainerID != a.ContainerID && o.Mode.Kind == KindBridge && a.Mode.Kind == KindBridge &&
			o.Mode.Network == a.Mode.Network && o.IP.IsValid() {
			peers = append(peers, Peer{IP: o.IP.Addr(), Names: []string{o.Name, o.Hostname}})
		}
	}
	return peers
}

// writeFiles writes a's files into its FilesDir. Existing files are
// rewritten in place (same inode), so bind mounts of them see the change.
func (m *Manager) writeFiles(a *Attachment) error {
	if a.FilesDir == "" {
		return nil
	}
	if err := os.MkdirAll(a.FilesDir, 0o755); err != nil {
		return fmt.Errorf("files dir: %w", err)
	}
	for name, content := range map[string]string{"hosts": a.Files.Hosts, "hostname": a.Files.Hostname, "resolv.conf": a.Files.ResolvConf} {
		if err := os.WriteFile(filepath.Join(a.FilesDir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}

// updatePeers rewrites the /etc/hosts in the FilesDir of changed's network
// peers (best effort: a peer whose directory vanished is being deleted).
// Their records keep the content of attach time.
func (m *Manager) updatePeers(changed *Attachment, all []*Attachment) {
	for _, p := range all {
		if p.ContainerID == changed.ContainerID || p.Mode.Kind != KindBridge ||
			p.Mode.Network != changed.Mode.Network || p.FilesDir == "" {
			continue
		}
		p.Files.Hosts = HostsFile(p.IP.Addr(), []string{p.Hostname, p.Name}, peersOf(p, all))
		m.writeFiles(p)
	}
}

func publishedPorts(recs []*Attachment) map[string][]nat.PortMapping {
	out := map[string][]nat.PortMapping{}
	for _, a := range recs {
		if len(a.Ports) > 0 {
			out[a.ContainerID] = a.Ports
		}
	}
	return out
}

// natRules computes skiff's nftables rules from the attachments:
// masquerade for every network with a container, DNAT for every published
// port.
func natRules(recs []*Attachment) []nat.Rule {
	var nets []nat.Network
	var pubs []nat.Publish
	seen := map[string]bool{}
	for _, a := range recs {
		if a.Mode.Kind != KindBridge {
			continue
		}
		if !seen[a.Mode.Network] {
			seen[a.Mode.Network] = true
			nets = append(nets, nat.Network{Name: a.Mode.Network, Bridge: a.Bridge, Subnet: a.IP.Masked()})
		}
		if len(a.Ports) > 0 {
			pubs = append(pubs, nat.Publish{ContainerID: a.ContainerID, IP: a.IP.Addr(), Ports: a.Ports})
		}
	}
	return nat.Rules(nets, pubs)
}

// sameRules reports whether two rule sets are equal, so that a container
// without published ports joining or leaving a network that keeps other
// containers costs no nftables round trip at all.
func sameRules(a, b []nat.Rule) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Chain != b[i].Chain || a[i].Text != b[i].Text {
			return false
		}
	}
	return true
}

// syncNAT makes skiff's nftables table match the attachments recs.
func (m *Manager) syncNAT(recs []*Attachment) error {
	c, done, err := nat.Open(m.cfg.HostNS)
	if err != nil {
		return err
	}
	defer done()
	return nat.Sync(c, natRules(recs), m.cfg.Explain.In(m.cfg.HostNS))
}

// updateNAT syncs the table when going from the attachments before to
// after changes any rule. (Prune always syncs, repairing hand edits.)
func (m *Manager) updateNAT(before, after []*Attachment) error {
	if sameRules(natRules(before), natRules(after)) {
		return nil
	}
	return m.syncNAT(after)
}

// Detach undoes Attach: the veth (and with it eth0), the lease, the port
// rules, the record; the bridge and masquerade rules too when the container
// was the network's last. Detaching an unknown container does nothing.
func (m *Manager) Detach(ctx context.Context, log *slog.Logger, containerID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	unlock, err := m.lock()
	if err != nil {
		return err
	}
	defer unlock()
	a, err := m.load(containerID)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := m.detach(a); err != nil {
		return fmt.Errorf("detach %s: %w", containerID, err)
	}
	log.Info("network detached", "container", containerID, "network", a.Mode.String())
	return nil
}

// detach removes everything of a, going on after errors so that as much
// as possible is cleaned; the record goes last, so a retry finds it.
func (m *Manager) detach(a *Attachment) error {
	var errs []error
	if a.Mode.Kind == KindBridge {
		errs = append(errs, m.unplug(a))
	}
	recs, err := m.records()
	errs = append(errs, err)
	var rest []*Attachment
	for _, o := range recs {
		if o.ContainerID != a.ContainerID {
			rest = append(rest, o)
		}
	}
	if a.Mode.Kind == KindBridge {
		errs = append(errs, m.updateNAT(recs, rest), m.removeBridgeIfUnused(a.Mode.Network, a.Bridge, rest))
		m.updatePeers(a, rest)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return m.drop(a.ContainerID)
}

// unplug deletes the veth and releases the address. When the container's
// namespace is already gone (the usual case: the container exited) the
// kernel deletes the veth pair by itself, so skiff does not wait for it.
func (m *Manager) unplug(a *Attachment) error {
	store := &ipam.Store{Dir: m.ipamDir(a.Mode.Network)}
	if stale(a) {
		return store.Release(a.ContainerID)
	}
	host, err := bridge.OpenHost(m.cfg.HostNS, m.cfg.Explain)
	if err != nil {
		return err
	}
	defer host.Close()
	return errors.Join(host.DeleteLink(a.HostVeth), store.Release(a.ContainerID))
}

func (m *Manager) removeBridgeIfUnused(network, br string, rest []*Attachment) error {
	for _, o := range rest {
		if o.Mode.Kind == KindBridge && o.Mode.Network == network {
			return nil
		}
	}
	host, err := bridge.OpenHost(m.cfg.HostNS, m.cfg.Explain)
	if err != nil {
		return err
	}
	defer host.Close()
	return host.DeleteLink(br)
}
