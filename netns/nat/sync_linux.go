package nat

import (
	"fmt"
	"os"

	"github.com/google/nftables"
	"github.com/google/nftables/userdata"
	"github.com/skiffrun/skiff/netns/explain"
)

// Open connects to nftables in the network namespace at hostNS ("" is the
// namespace skiff runs in) over one netlink socket kept for all requests.
// Call the returned close function when done.
func Open(hostNS string) (*nftables.Conn, func(), error) {
	opts := []nftables.ConnOption{nftables.AsLasting()}
	var f *os.File
	if hostNS != "" {
		var err error
		if f, err = os.Open(hostNS); err != nil {
			return nil, nil, fmt.Errorf("nftables: open netns: %w", err)
		}
		opts = append(opts, nftables.WithNetNSFd(int(f.Fd())))
	}
	c, err := nftables.New(opts...)
	if f != nil {
		f.Close() // the socket, created by New, stays in the namespace
	}
	if err != nil {
		return nil, nil, fmt.Errorf("nftables in %q: %w", hostNS, err)
	}
	return c, func() { c.CloseLasting() }, nil
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
	changed := !exists
	if !exists {
		x.Printf("nft add table ip %s", Table)
		c.AddTable(table)
	}
	chains, added, err := ensureChains(c, x, exists)
	if err != nil {
		return err
	}
	changed = changed || len(added) > 0
	have, err := current(c, chains, added)
	if err != nil {
		return err
	}
	wanted := map[string]bool{}
	for _, r := range want {
		wanted[r.Chain+"\x00"+r.Comment] = true
		if _, ok := have[r.Chain+"\x00"+r.Comment]; !ok {
			addRule(c, chains[r.Chain], r, x)
			changed = true
		}
	}
	for key, r := range have {
		if !wanted[key] {
			x.Printf("nft delete rule ip %s %s handle %d", Table, r.Chain.Name, r.Handle)
			if err := c.DelRule(r); err != nil {
				return fmt.Errorf("nft delete rule: %w", err)
			}
			changed = true
		}
	}
	if !changed {
		return nil // an empty transaction still costs a commit
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

// ensureChains adds the base chains that are missing, explains them, and
// returns all of them and the names of those it added.
func ensureChains(c *nftables.Conn, x explain.Func, tableExisted bool) (map[string]*nftables.Chain, map[string]bool, error) {
	out := map[string]*nftables.Chain{}
	if tableExisted {
		list, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
		if err != nil {
			return nil, nil, fmt.Errorf("nft list chains: %w", err)
		}
		for _, ch := range list {
			if ch.Table.Name == Table {
				out[ch.Name] = ch
			}
		}
	}
	added := map[string]bool{}
	for _, s := range chainSpecs {
		if out[s.name] != nil {
			continue
		}
		x.Printf("nft add chain ip %s %s '{ type nat hook %s; policy accept; }'", Table, s.name, s.hookText)
		out[s.name] = c.AddChain(&nftables.Chain{
			Name: s.name, Table: table, Type: nftables.ChainTypeNAT, Hooknum: s.hook, Priority: s.prio,
		})
		added[s.name] = true
	}
	return out, added, nil
}

// current lists the rules of the table keyed by chain and comment. Rules
// without a comment (added by hand) get a key nothing wants, so they go.
func current(c *nftables.Conn, chains map[string]*nftables.Chain, added map[string]bool) (map[string]*nftables.Rule, error) {
	have := map[string]*nftables.Rule{}
	for name, ch := range chains {
		if added[name] {
			continue // new in this transaction: no rules yet
		}
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
