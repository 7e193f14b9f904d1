package explain

import (
	"bytes"
	"testing"
)

func TestNetnsArgAndIn(t *testing.T) {
	cases := []struct{ path, arg, in string }{
		{"/proc/42/ns/net", "42", "nsenter --net=/proc/42/ns/net "},
		{"/run/netns/blue", "blue", "ip netns exec blue "},
		{"/run/skiff/netns/c1", "/run/skiff/netns/c1", "nsenter --net=/run/skiff/netns/c1 "},
		{"", "", ""},
	}
	for _, c := range cases {
		if got := NetnsArg(c.path); c.path != "" && got != c.arg {
			t.Errorf("NetnsArg(%q) = %q, want %q", c.path, got, c.arg)
		}
		if got := In(c.path); got != c.in {
			t.Errorf("In(%q) = %q, want %q", c.path, got, c.in)
		}
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"skiff0":        "skiff0",
		"a b":           "'a b'",
		"it's":          `'it'\''s'`,
		"":              "''",
		`{ type nat; }`: `'{ type nat; }'`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriterAndNil(t *testing.T) {
	var buf bytes.Buffer
	Writer(&buf).Printf("ip link add %s type bridge", "skiff0")
	if buf.String() != "+ ip link add skiff0 type bridge\n" {
		t.Fatalf("Writer printed %q", buf.String())
	}
	var none Func
	none.Printf("ignored %d", 1) // must not panic
	var r Recorder
	r.Func().Printf("a")
	if len(r.Cmds) != 1 || r.Cmds[0] != "a" {
		t.Fatalf("Recorder = %v", r.Cmds)
	}
}

func TestFuncIn(t *testing.T) {
	var r Recorder
	r.Func().In("/run/netns/host").Printf("nft add table ip skiff")
	r.Func().In("").Printf("ip link")
	want := []string{"ip netns exec host nft add table ip skiff", "ip link"}
	if len(r.Cmds) != 2 || r.Cmds[0] != want[0] || r.Cmds[1] != want[1] {
		t.Fatalf("Cmds = %q", r.Cmds)
	}
	var none Func
	if none.In("/x") != nil {
		t.Fatal("nil Func.In must stay nil")
	}
}
