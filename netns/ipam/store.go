package ipam

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

const (
	lockFile = "lock"
	lastFile = "last_reserved_ip"
)

// Store keeps the leases of one pool in a directory.
type Store struct {
	Dir  string
	Pool Pool
}

// locked runs fn while holding an exclusive flock on Dir/lock.
func (s *Store) locked(fn func() error) error {
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return fmt.Errorf("ipam dir %s: %w", s.Dir, err)
	}
	f, err := os.OpenFile(filepath.Join(s.Dir, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("ipam lock: %w", err)
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		return fmt.Errorf("ipam lock %s: %w", f.Name(), err)
	}
	return fn() // closing f releases the lock
}

// Leases returns every leased address with its container ID.
func (s *Store) Leases() (map[netip.Addr]string, error) {
	var out map[netip.Addr]string
	err := s.locked(func() error {
		var err error
		out, err = s.read()
		return err
	})
	return out, err
}

func (s *Store) read() (map[netip.Addr]string, error) {
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		return nil, fmt.Errorf("read leases %s: %w", s.Dir, err)
	}
	out := map[netip.Addr]string{}
	for _, e := range entries {
		a, err := netip.ParseAddr(e.Name())
		if err != nil {
			continue // lock, last_reserved_ip
		}
		id, err := os.ReadFile(filepath.Join(s.Dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read lease %s: %w", e.Name(), err)
		}
		out[a] = strings.TrimSpace(string(id))
	}
	return out, nil
}

// Allocate leases an address to id. Asking again for the same id returns
// the address it already holds.
func (s *Store) Allocate(id string) (netip.Addr, error) {
	var got netip.Addr
	err := s.locked(func() error {
		leases, err := s.read()
		if err != nil {
			return err
		}
		for a, owner := range leases {
			if owner == id {
				got = a
				return nil
			}
		}
		got, err = s.claim(id, leases)
		return err
	})
	return got, err
}

// claim creates the lease file of the first free candidate.
func (s *Store) claim(id string, leases map[netip.Addr]string) (netip.Addr, error) {
	last := s.Pool.first()
	if b, err := os.ReadFile(filepath.Join(s.Dir, lastFile)); err == nil {
		if a, err := netip.ParseAddr(strings.TrimSpace(string(b))); err == nil {
			last = a
		}
	}
	for _, a := range s.Pool.Candidates(last) {
		if _, taken := leases[a]; taken {
			continue
		}
		f, err := os.OpenFile(filepath.Join(s.Dir, a.String()), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return netip.Addr{}, fmt.Errorf("lease %s: %w", a, err)
		}
		_, werr := f.WriteString(id)
		if err := errors.Join(werr, f.Close()); err != nil {
			os.Remove(f.Name())
			return netip.Addr{}, fmt.Errorf("lease %s: %w", a, err)
		}
		if err := s.writeLast(a); err != nil {
			return netip.Addr{}, fmt.Errorf("record last lease: %w", err)
		}
		return a, nil
	}
	return netip.Addr{}, fmt.Errorf("subnet %s: %w (%d addresses leased)", s.Pool.Subnet, ErrExhausted, len(leases))
}

// Release drops the lease of id, if it has one.
func (s *Store) Release(id string) error {
	_, err := s.ReleaseUnless(func(owner string) bool { return owner != id })
	return err
}

// ReleaseUnless drops every lease whose owner keep rejects, and returns the
// addresses freed (prune after a crash: keep the containers that still run).
func (s *Store) ReleaseUnless(keep func(id string) bool) ([]netip.Addr, error) {
	var freed []netip.Addr
	err := s.locked(func() error {
		leases, err := s.read()
		if err != nil {
			return err
		}
		for a, owner := range leases {
			if keep(owner) {
				continue
			}
			if err := os.Remove(filepath.Join(s.Dir, a.String())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("release %s: %w", a, err)
			}
			freed = append(freed, a)
		}
		return nil
	})
	return freed, err
}

// Empty reports whether no address is leased.
func (s *Store) Empty() (bool, error) {
	leases, err := s.Leases()
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	return len(leases) == 0, err
}

// writeLast records the last leased address in place, padded to a fixed
// width: truncating and rewriting would make ext4 flush the file to disk
// (its auto_da_alloc heuristic), which costs milliseconds per container.
func (s *Store) writeLast(a netip.Addr) error {
	f, err := os.OpenFile(filepath.Join(s.Dir, lastFile), os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, werr := f.WriteAt([]byte(fmt.Sprintf("%-15s\n", a)), 0)
	return errors.Join(werr, f.Close())
}
