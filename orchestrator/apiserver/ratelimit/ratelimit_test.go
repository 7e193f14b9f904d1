package ratelimit

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// queued starts acquire in a goroutine and waits until the request sits
// in its user's queue.
func queued(t *testing.T, p *pool, user string, order chan<- string) {
	t.Helper()
	p.mu.Lock()
	before := 0
	if us := p.users[user]; us != nil {
		before = len(us.waiters)
	}
	p.mu.Unlock()
	go func() {
		if p.acquire(user, time.Minute) {
			order <- user
		}
	}()
	for {
		p.mu.Lock()
		n := 0
		if us := p.users[user]; us != nil {
			n = len(us.waiters)
		}
		p.mu.Unlock()
		if n > before {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func TestFloodingUserDoesNotStarveOthers(t *testing.T) {
	p := newPool(2, 1, 2)
	if !p.acquire("flood", time.Second) {
		t.Fatal("first request refused")
	}
	order := make(chan string, 4)
	queued(t, p, "flood", order)
	queued(t, p, "flood", order)
	if p.acquire("flood", time.Second) {
		t.Fatal("flood got past a full queue")
	}
	if !p.acquire("other", 10*time.Millisecond) {
		t.Fatal("another user was not served while flood's queue is full")
	}
}

func TestRoundRobin(t *testing.T) {
	p := newPool(1, 1, 5)
	p.acquire("a", time.Second)
	order := make(chan string, 4)
	queued(t, p, "a", order)
	queued(t, p, "a", order)
	queued(t, p, "b", order)
	var got []string
	for _, holder := range []string{"a", "", "", ""} {
		if holder != "" {
			p.release(holder)
		} else {
			p.release(got[len(got)-1])
		}
		if len(got) == 3 {
			break
		}
		got = append(got, <-order)
	}
	if got[0] != "a" || got[1] != "b" || got[2] != "a" {
		t.Fatalf("served %v, want a b a (round robin between users)", got)
	}
}

func TestQueueWaitRunsOut(t *testing.T) {
	p := newPool(1, 1, 5)
	p.acquire("a", time.Second)
	if p.acquire("b", 20*time.Millisecond) {
		t.Fatal("b served with no free slot")
	}
	p.release("a")
	if len(p.users) != 0 || len(p.turn) != 0 || p.inflight != 0 {
		t.Fatalf("state left behind: users=%v turn=%v inflight=%d", p.users, p.turn, p.inflight)
	}
}

func TestLimiter(t *testing.T) {
	l, err := New(Config{MaxInFlight: 1, MaxMutatingInFlight: 1, QueueLength: 1, QueueWait: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	bob := &apiserver.User{Name: "bob"}
	get := httptest.NewRequest("GET", "/api/v1/pods", nil)
	ok, _, done := l.Admit(get, bob)
	if !ok {
		t.Fatal("first read refused")
	}
	if ok, retry, _ := l.Admit(get, bob); ok || retry != time.Second {
		t.Fatalf("second read: ok=%v retry=%v, want refused with Retry-After 1s", ok, retry)
	}
	if ok, _, d := l.Admit(httptest.NewRequest("POST", "/api/v1/namespaces/x/pods", nil), bob); !ok {
		t.Fatal("a write waits for the read pool")
	} else {
		d()
	}
	for _, r := range []string{"/api/v1/pods?watch=true", "/api/v1/namespaces/x/pods/p/exec"} {
		if ok, _, _ := l.Admit(httptest.NewRequest("GET", r, nil), bob); !ok {
			t.Errorf("%s: long-running request limited", r)
		}
	}
	if ok, _, _ := l.Admit(get, &apiserver.User{Name: "admin", Groups: []string{"system:masters"}}); !ok {
		t.Error("system:masters limited")
	}
	done()
	if _, err := New(Config{MaxInFlight: -1}); err == nil {
		t.Error("negative limit accepted")
	}
}
