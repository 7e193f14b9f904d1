package nat

import (
	"net/netip"
	"strings"
	"testing"
)

func TestRulesText(t *testing.T) {
	nets := []Network{{Name: "bridge", Bridge: "skiff0", Subnet: netip.MustParsePrefix("10.199.0.0/24")}}
	web, _ := ParsePort("8080:80")
	dns, _ := ParsePort("127.0.0.1:5353:53/udp")
	pubs := []Publish{{ContainerID: "c1", IP: netip.MustParseAddr("10.199.0.2"), Ports: []PortMapping{web, dns}}}
	var got []string
	for _, r := range Rules(nets, pubs) {
		got = append(got, r.Chain+": "+r.Text)
		if len(r.Exprs) == 0 {
			t.Errorf("rule without expressions: %s", r.Text)
		}
	}
	want := []string{
		`postrouting: ip saddr 10.199.0.0/24 oifname != "skiff0" masquerade comment "skiff network bridge: egress"`,
		`postrouting: oifname "skiff0" ip saddr 127.0.0.0/8 masquerade comment "skiff network bridge: from 127.0.0.1 to published ports"`,
		`postrouting: oifname "skiff0" ip saddr 10.199.0.0/24 ct status dnat masquerade comment "skiff network bridge: hairpin to published ports"`,
		`prerouting: fib daddr type local tcp dport 8080 dnat to 10.199.0.2:80 comment "skiff container c1: -p 8080:80/tcp"`,
		`output: fib daddr type local tcp dport 8080 dnat to 10.199.0.2:80 comment "skiff container c1: -p 8080:80/tcp"`,
		`prerouting: fib daddr type local ip daddr 127.0.0.1 udp dport 5353 dnat to 10.199.0.2:53 comment "skiff container c1: -p 127.0.0.1:5353:53/udp"`,
		`output: fib daddr type local ip daddr 127.0.0.1 udp dport 5353 dnat to 10.199.0.2:53 comment "skiff container c1: -p 127.0.0.1:5353:53/udp"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(Rules(nil, nil)) != 0 {
		t.Fatal("no networks, no rules")
	}
}
