package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Status values, as the OCI runtime spec names them.
const (
	Creating = "creating"
	Created  = "created"
	Running  = "running"
	Stopped  = "stopped"
	Paused   = "paused"
)

const (
	stateFile = "state.json"
	fifoName  = "exec.fifo"
)

// State is what the runtime stores per container. Status is not stored: it
// is derived each time from the init process (alive? same start time? still
// waiting on exec.fifo?), so a crashed runtime never leaves a wrong status.
type State struct {
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	PidStart    uint64            `json:"pidStartTime"` // /proc/PID/stat field 22, to detect pid reuse
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Annotations map[string]string `json:"annotations,omitempty"`
	CgroupPaths map[string]string `json:"cgroupPaths,omitempty"` // controller -> cgroup path ("" on v2)
	ExitCode    *int              `json:"exitCode,omitempty"`    // known when skiff itself waited for the init
	Spec        *specs.Spec       `json:"spec"`

	dir string
}

// OCIState is the document `state` prints: the runtime spec's state plus
// the fields runc adds.
type OCIState struct {
	specs.State
	Rootfs  string    `json:"rootfs"`
	Created time.Time `json:"created"`
	Owner   string    `json:"owner"`
}

var validID = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_+.-]*$`)

// ValidateID accepts the ids runc accepts: letters, digits and _+.- (not
// first), at most 1024 bytes, so an id can never be a path.
func ValidateID(id string) error {
	if id == "" || len(id) > 1024 || !validID.MatchString(id) || strings.Contains(id, "..") {
		return fmt.Errorf("%w %q: use letters, digits and _ + . - (not first), no '/' or '..'", ErrBadID, id)
	}
	if reserved[id] {
		return fmt.Errorf("%w %q: the runtime root uses that name for its own state", ErrBadID, id)
	}
	return nil
}

// reserved are directories under the runtime root that are not containers
// (network, named namespaces, pods).
var reserved = map[string]bool{"net": true, "netns": true, "pods": true}

// Dir is the state directory of a container.
func Dir(root, id string) string { return filepath.Join(root, id) }

// Load reads a container's state.
func Load(root, id string) (*State, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	dir := Dir(root, id)
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		if st, statErr := os.Stat(dir); statErr == nil && st.IsDir() {
			return &State{ID: id, dir: dir}, nil // a create killed before it wrote any state
		}
		return nil, fmt.Errorf("%w: %s", ErrNotExist, id)
	}
	if err != nil {
		return nil, fmt.Errorf("read state of %s: %w", id, err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("read state of %s: %w", id, err)
	}
	st.dir = dir
	return &st, nil
}

// save writes the state atomically (temp file + rename), under the
// container's lock so that it cannot race a delete.
func (s *State) save() error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode state of %s: %w", s.ID, err)
	}
	return withLock(s.dir, func() error { return writeAtomic(filepath.Join(s.dir, stateFile), data) })
}

// withLock runs fn holding an exclusive flock on a container's state
// directory. A directory already removed by a delete is not recreated:
// fn is skipped and ErrNotExist returned.
func withLock(dir string, fn func() error) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrNotExist, filepath.Base(dir))
	}
	defer unix.Close(fd)
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", dir, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Nlink == 0 {
		return fmt.Errorf("%w: %s", ErrNotExist, filepath.Base(dir))
	}
	return fn()
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Status derives the container's status from its init process.
func (s *State) Status() string {
	if s.Pid == 0 {
		return Creating // create has not finished, or was killed before it did
	}
	start, state, err := procStat(s.Pid)
	if err != nil || start != s.PidStart || state == "Z" || state == "X" {
		return Stopped
	}
	if _, err := os.Stat(filepath.Join(s.dir, fifoName)); err == nil {
		return Created
	}
	if frozen(s) {
		return Paused
	}
	return Running
}

// frozenCheck asks the container's cgroup whether it is frozen (set in
// cgroup_linux.go, so that this file stays free of cgroup details).
var frozenCheck func(*State) bool

func frozen(s *State) bool {
	return frozenCheck != nil && len(s.CgroupPaths) > 0 && frozenCheck(s)
}

// OCI returns the state document of `state`.
func (s *State) OCI() OCIState {
	status := s.Status()
	pid := s.Pid
	if status == Stopped {
		pid = 0
	}
	return OCIState{
		State: specs.State{
			Version: specs.Version, ID: s.ID, Status: specs.ContainerState(status),
			Pid: pid, Bundle: s.Bundle, Annotations: s.Annotations,
		},
		Rootfs: s.Rootfs, Created: s.Created, Owner: "",
	}
}

// procStat returns the start time (field 22) and state (field 3) of a
// process from /proc/PID/stat.
func procStat(pid int) (uint64, string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0, "", fmt.Errorf("parse /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 20 {
		return 0, "", fmt.Errorf("parse /proc/%d/stat", pid)
	}
	start, err := strconv.ParseUint(fields[19], 10, 64)
	return start, fields[0], err
}

// List returns the states of every container under root, sorted by id.
func List(root string) ([]*State, error) {
	entries, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list containers in %s: %w", root, err)
	}
	var out []*State
	for _, e := range entries {
		if !e.IsDir() || ValidateID(e.Name()) != nil {
			continue
		}
		st, err := Load(root, e.Name())
		if err != nil {
			continue // removed while we listed
		}
		out = append(out, st)
	}
	return out, nil
}
