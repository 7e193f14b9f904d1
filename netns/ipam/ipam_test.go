package ipam

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

func mustPool(t *testing.T, subnet string) Pool {
	t.Helper()
	p, err := NewPool(netip.MustParsePrefix(subnet), netip.Addr{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewPoolRejects(t *testing.T) {
	cases := map[string]string{
		"10.0.0.1/24": "host bits",
		"10.0.0.0/31": "/30",
		"fd00::/64":   "IPv4",
		"10.0.0.0/7":  "/8",
	}
	for subnet, want := range cases {
		_, err := NewPool(netip.MustParsePrefix(subnet), netip.Addr{})
		if !errors.Is(err, ErrBadSubnet) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "subnet") {
			t.Errorf("NewPool(%s) = %v, want ErrBadSubnet mentioning %q", subnet, err, want)
		}
	}
	_, err := NewPool(netip.MustParsePrefix("10.0.0.0/24"), netip.MustParseAddr("10.0.1.1"))
	if !errors.Is(err, ErrBadSubnet) || !strings.Contains(err.Error(), "gateway") {
		t.Errorf("gateway outside subnet: %v", err)
	}
	_, err = NewPool(netip.MustParsePrefix("10.0.0.0/24"), netip.MustParseAddr("10.0.0.255"))
	if !errors.Is(err, ErrBadSubnet) {
		t.Errorf("gateway on broadcast: %v", err)
	}
}

func TestCandidates(t *testing.T) {
	p := mustPool(t, "10.199.0.0/29") // .0 net, .1 gw, .2-.6 hosts, .7 bcast
	if p.Size() != 5 {
		t.Fatalf("Size = %d, want 5", p.Size())
	}
	got := fmt.Sprint(p.Candidates(netip.MustParseAddr("10.199.0.4")))
	want := "[10.199.0.5 10.199.0.6 10.199.0.2 10.199.0.3 10.199.0.4]"
	if got != want {
		t.Fatalf("Candidates = %s, want %s", got, want)
	}
	if got := p.Candidates(netip.Addr{})[0]; got != netip.MustParseAddr("10.199.0.2") {
		t.Fatalf("first candidate = %s", got)
	}
}

func TestAllocateReleaseExhaust(t *testing.T) {
	s := &Store{Dir: t.TempDir(), Pool: mustPool(t, "10.199.0.0/29")}
	a1, err := s.Allocate("c1")
	if err != nil || a1 != netip.MustParseAddr("10.199.0.2") {
		t.Fatalf("Allocate c1 = %v, %v", a1, err)
	}
	again, _ := s.Allocate("c1")
	if again != a1 {
		t.Fatalf("Allocate c1 twice: %s then %s", a1, again)
	}
	for i := 2; i <= 5; i++ {
		if _, err := s.Allocate(fmt.Sprintf("c%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Allocate("c6"); !errors.Is(err, ErrExhausted) {
		t.Fatalf("sixth Allocate = %v, want ErrExhausted", err)
	}
	if err := s.Release("c1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Release("c1"); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	a6, err := s.Allocate("c6")
	if err != nil || a6 != a1 {
		t.Fatalf("Allocate after release = %v, %v; want %s", a6, err, a1)
	}
	freed, err := s.ReleaseUnless(func(id string) bool { return id == "c6" })
	if err != nil || len(freed) != 4 {
		t.Fatalf("ReleaseUnless freed %v, %v", freed, err)
	}
	leases, _ := s.Leases()
	if len(leases) != 1 || leases[a6] != "c6" {
		t.Fatalf("leases = %v", leases)
	}
}

func TestReuseLate(t *testing.T) {
	s := &Store{Dir: t.TempDir(), Pool: mustPool(t, "10.199.0.0/24")}
	a, _ := s.Allocate("a")
	s.Release("a")
	b, _ := s.Allocate("b")
	if a == b {
		t.Fatalf("released %s was handed out again at once", a)
	}
}

func TestConcurrentStoresNeverShare(t *testing.T) {
	dir := t.TempDir()
	pool := mustPool(t, "10.199.0.0/26")
	var wg sync.WaitGroup
	got := make([]netip.Addr, 40)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &Store{Dir: dir, Pool: pool} // separate lock fds, as separate processes
			a, err := s.Allocate(fmt.Sprintf("c%d", i))
			if err != nil {
				t.Error(err)
			}
			got[i] = a
		}()
	}
	wg.Wait()
	seen := map[netip.Addr]bool{}
	for _, a := range got {
		if seen[a] {
			t.Fatalf("address %s leased twice", a)
		}
		seen[a] = true
	}
}
