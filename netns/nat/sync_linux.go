package nat

import (
	"fmt"
	"os"

	"github.com/google/nftables"
	"github.com/google/nftables/userdata"
	"github.com/skiffrun/skiff/netns/explain"
)

// Open connects to nftables in the network namespace at hostNS ("" is the
// namespace skiff runs in). Call the returned close function when done.
func Open(hostNS string) (*nftables.Conn, func(), error) {
	if hostNS == "" {
		c, err := nftables.New()
		if err != nil {
			return nil, nil, fmt.Errorf("nftables: %w", err)
		}
		return c, func() {}, nil
	}
	f, err := os.Open(hostNS)
	if err != nil {
		return nil, nil, fmt.Errorf("nftables: open netns: %w", err)
	}
	c, err := nftables.New(nftables.WithNetNSFd(int(f.Fd())))
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("nftables in %s: %w", hostNS, err)
	}
	return c, func() { f.Close() }, nil
}

type chainSpec struct {
	name     string
	hook     *nftables.ChainHook
	prio     *nftables.ChainPriority
	hookText string
}

var chainSpecs = []chainSpec{
	{Prerouting, nftables.ChainHookPrerouting, nftables.ChainPriorityNATDest, "prerouting priority dstnat"},
	{Output, nftables.ChainHookOutput, nftables.ChainPriorityNATDest, "output priority -100"},
	{Postrouting, nftables.ChainHookPostrouting, nftables.ChainPriorityNATSource, "postrouting priority srcnat"},
}

var table = &nftables.Table{Family: nftables.TableFamilyIPv4, Name: Table}

// Sync makes the table hold exactly want, in one atomic transaction. Rules
// are matched by comment: missing ones are added, others deleted by handle.
// With nothing to want, the table is deleted.
func Sync(c *nftables.Conn, want []Rule, x explain.Func) error {
	exists, err := tableExists(c)
	if err != nil {
		return err
	}
	if len(want) == 0 {
		if exists {
			x.Printf("nft delete table ip %s", Table)
			c.DelTable(table)
		}
		return flush(c)
	}
	if !exists {
		x.Printf("nft add table ip %s", Table)
	}
	c.AddTable(table)
	chains, err := ensureChains(c, x, exists)
	if err != nil {
		return err
	}
	have, err := current(c, chains)
	if err != nil {
		return err
	}
	wanted := map[string]bool{}
	for _, r := range want {
		wanted[r.Chain+"\x00"+r.Comment] = true
		if _, ok := have[r.Chain+"\x00"+r.Comment]; !ok {
			addRule(c, chains[r.Chain], r, x)
		}
	}
	for key, r := range have {
		if !wanted[key] {
			x.Printf("nft delete rule ip %s %s handle %d", Table, r.Chain.Name, r.Handle)
			if err := c.DelRule(r); err != nil {
				return fmt.Errorf("nft delete rule: %w", err)
			}
		}
	}
	return flush(c)
}

func flush(c *nftables.Conn) error {
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nft table %s: %w", Table, err)
	}
	return nil
}

func tableExists(c *nftables.Conn) (bool, error) {
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return false, fmt.Errorf("nft list tables: %w", err)
	}
	for _, t := range tables {
		if t.Name == Table {
			return true, nil
		}
	}
	return false, nil
}

// ensureChains adds the base chains (a no-op for chains that exist) and
// explains the ones that were missing.
func ensureChains(c *nftables.Conn, x explain.Func, tableExisted bool) (map[string]*nftables.Chain, error) {
	present := map[string]bool{}
	if tableExisted {
		list, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
		if err != nil {
			return nil, fmt.Errorf("nft list chains: %w", err)
		}
		for _, ch := range list {
			if ch.Table.Name == Table {
				present[ch.Name] = true
			}
		}
	}
	out := map[string]*nftables.Chain{}
	for _, s := range chainSpecs {
		if !present[s.name] {
			x.Printf("nft add chain ip %s %s '{ type nat hook %s; policy accept; }'", Table, s.name, s.hookText)
		}
		out[s.name] = c.AddChain(&nftables.Chain{
			Name: s.name, Table: table, Type: nftables.ChainTypeNAT, Hooknum: s.hook, Priority: s.prio,
		})
	}
	return out, nil
}

// current lists the rules of the table keyed by chain and comment. Rules
// without a comment (added by hand) get a key nothing wants, so they go.
func current(c *nftables.Conn, chains map[string]*nftables.Chain) (map[string]*nftables.Rule, error) {
	have := map[string]*nftables.Rule{}
	for name, ch := range chains {
		rules, err := c.GetRules(table, ch)
		if err != nil {
			return nil, fmt.Errorf("nft list chain %s: %w", name, err)
		}
		for _, r := range rules {
			comment, _ := userdata.GetString(r.UserData, userdata.TypeComment)
			key := name + "\x00" + comment
			if _, dup := have[key]; dup || comment == "" {
				key = fmt.Sprintf("%s\x00#%d", name, r.Handle)
			}
			have[key] = r
		}
	}
	return have, nil
}

func addRule(c *nftables.Conn, ch *nftables.Chain, r Rule, x explain.Func) {
	x.Printf("nft add rule ip %s %s %s", Table, r.Chain, explain.Quote(r.Text))
	c.AddRule(&nftables.Rule{
		Table:    table,
		Chain:    ch,
		Exprs:    r.Exprs,
		UserData: userdata.AppendString(nil, userdata.TypeComment, r.Comment),
	})
}
