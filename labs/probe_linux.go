package labs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// skiff runs the learner's skiff binary with the lab's directories and
// returns its standard output; on failure the error carries its stderr.
func (e Env) skiff(ctx context.Context, args ...string) (string, error) {
	full := append([]string{"--root", e.Root, "--data-dir", e.Data}, args...)
	return run(ctx, e.Skiff, full...)
}

func run(ctx context.Context, name string, args ...string) (string, error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = err.Error()
		}
		return out.String(), fmt.Errorf("%s %s: %s", filepath.Base(name), strings.Join(args, " "), oneLine(msg))
	}
	return out.String(), nil
}

// container is what `skiff inspect NAME` says about a container.
type container struct {
	Config   specs.Spec `json:"config"`
	ExitCode *int       `json:"exitCode"`
	State    struct {
		Status string `json:"status"`
		Pid    int    `json:"pid"`
	} `json:"state"`
}

var errNoContainer = errors.New("no such container")

func (e Env) inspect(ctx context.Context, name string) (*container, error) {
	out, err := e.skiff(ctx, "inspect", name)
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", name, errNoContainer)
	}
	var c container
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		return nil, fmt.Errorf("inspect %s: %w", name, err)
	}
	return &c, nil
}

// running returns the container if it exists and runs.
func (e Env) running(ctx context.Context, name string) (*container, error) {
	c, err := e.inspect(ctx, name)
	if err != nil {
		return nil, err
	}
	if c.State.Status != "running" || c.State.Pid == 0 {
		return nil, fmt.Errorf("container %s is %s, not running", name, c.State.Status)
	}
	return c, nil
}

// cgroupFile reads one of a container's cgroup files through its own view
// of /sys/fs/cgroup (its cgroup namespace puts its cgroup at the root):
// the v2 name on a unified host, the v1 name (controller/file) otherwise.
func cgroupFile(pid int, v2, v1 string) (string, error) {
	base := fmt.Sprintf("/proc/%d/root/sys/fs/cgroup", pid)
	b, err := os.ReadFile(filepath.Join(base, v2))
	if err != nil {
		b, err = os.ReadFile(filepath.Join(base, v1))
	}
	if err != nil {
		return "", fmt.Errorf("read cgroup file %s (v1: %s): %w", v2, v1, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// field returns the number after key in "key value" lines (cpu.stat,
// pids.events), or -1.
func field(text, key string) int {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == key {
			var n int
			fmt.Sscan(f[1], &n)
			return n
		}
	}
	return -1
}

// mountInfo is one line of /proc/PID/mountinfo.
type mountInfo struct {
	Target   string
	Optional string // "shared:N", "master:N" ... or ""
	FSType   string
	Source   string
	Options  string // per-mount and super block options
}

func mounts(pid string) ([]mountInfo, error) {
	b, err := os.ReadFile("/proc/" + pid + "/mountinfo")
	if err != nil {
		return nil, err
	}
	var ms []mountInfo
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		ms = append(ms, parseMountLine(line)...)
	}
	return ms, nil
}

// parseMountLine reads one mountinfo line; it returns nothing for a line
// it cannot read.
func parseMountLine(line string) []mountInfo {
	left, right, ok := strings.Cut(line, " - ")
	l, r := strings.Fields(left), strings.Fields(right)
	if !ok || len(l) < 6 || len(r) < 3 {
		return nil
	}
	return []mountInfo{{Target: unescape(l[4]), Optional: strings.Join(l[6:], " "),
		FSType: r[0], Source: r[1], Options: l[5] + "," + r[2]}}
}

func unescape(s string) string {
	return strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`).Replace(s)
}

// findMount returns the last (topmost) mount at target.
func findMount(ms []mountInfo, target string) (mountInfo, bool) {
	var found mountInfo
	ok := false
	for _, m := range ms {
		if m.Target == target {
			found, ok = m, true
		}
	}
	return found, ok
}

func hasOption(m mountInfo, opt string) bool {
	for _, o := range strings.Split(m.Options, ",") {
		if o == opt {
			return true
		}
	}
	return false
}
