package ratelimit

import (
	"sync"
	"time"
)

// pool is a number of slots shared between users: a user holds at most
// perUser of them; requests over that wait in their user's queue (at
// most queueLen) and are served round robin across users.
type pool struct {
	mu       sync.Mutex
	cap      int
	perUser  int
	queueLen int
	inflight int
	users    map[string]*userState
	turn     []string // users with waiters, in the order they are served
}

type userState struct {
	inflight int
	waiters  []*waiter
}

type waiter struct {
	granted bool
	ch      chan struct{}
}

func newPool(capacity, perUser, queueLen int) *pool {
	return &pool{cap: capacity, perUser: perUser, queueLen: queueLen, users: map[string]*userState{}}
}

// acquire takes a slot for user, waiting up to wait; ok is false when the
// user's queue is full or the wait ran out.
func (p *pool) acquire(user string, wait time.Duration) bool {
	p.mu.Lock()
	us := p.user(user)
	if len(us.waiters) == 0 && p.inflight < p.cap && us.inflight < p.perUser {
		p.take(us)
		p.mu.Unlock()
		return true
	}
	if len(us.waiters) >= p.queueLen {
		p.mu.Unlock()
		return false
	}
	w := &waiter{ch: make(chan struct{})}
	if len(us.waiters) == 0 {
		p.turn = append(p.turn, user)
	}
	us.waiters = append(us.waiters, w)
	p.mu.Unlock()
	return p.await(user, w, wait)
}

func (p *pool) await(user string, w *waiter, wait time.Duration) bool {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-w.ch:
		return true
	case <-t.C:
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if w.granted {
		return true
	}
	us := p.users[user]
	for i, x := range us.waiters {
		if x == w {
			us.waiters = append(us.waiters[:i], us.waiters[i+1:]...)
			break
		}
	}
	if len(us.waiters) == 0 {
		p.dropTurn(user)
	}
	p.forget(user)
	return false
}

// release gives a slot back and hands free slots to the waiting users in
// turn.
func (p *pool) release(user string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	us := p.users[user]
	us.inflight--
	p.inflight--
	p.forget(user)
	p.dispatch()
}

func (p *pool) dispatch() {
	for p.inflight < p.cap {
		i := p.nextEligible()
		if i < 0 {
			return
		}
		user := p.turn[i]
		us := p.users[user]
		w := us.waiters[0]
		us.waiters = us.waiters[1:]
		p.take(us)
		w.granted = true
		close(w.ch)
		p.turn = append(p.turn[:i], p.turn[i+1:]...)
		if len(us.waiters) > 0 {
			p.turn = append(p.turn, user) // to the back of the line
		}
	}
}

// nextEligible is the first user in turn order that may take a slot.
func (p *pool) nextEligible() int {
	for i, u := range p.turn {
		if p.users[u].inflight < p.perUser {
			return i
		}
	}
	return -1
}

func (p *pool) take(us *userState) {
	us.inflight++
	p.inflight++
}

func (p *pool) user(name string) *userState {
	us := p.users[name]
	if us == nil {
		us = &userState{}
		p.users[name] = us
	}
	return us
}

func (p *pool) forget(user string) {
	if us := p.users[user]; us != nil && us.inflight == 0 && len(us.waiters) == 0 {
		delete(p.users, user)
	}
}

func (p *pool) dropTurn(user string) {
	for i, u := range p.turn {
		if u == user {
			p.turn = append(p.turn[:i], p.turn[i+1:]...)
			return
		}
	}
}
