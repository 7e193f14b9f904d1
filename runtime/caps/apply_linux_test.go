package caps

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// childEnv carries the plan and uid to the re-executed test binary.
const childEnv = "SKIFF_CAPS_TEST_CHILD"

type childConfig struct {
	UID  int
	Plan *Plan
}

// TestApplyChild is the re-executed child of TestApply: it does what the
// container's init does (keep caps, setuid, Apply) and execs cat to show
// the capabilities the program really gets.
func TestApplyChild(t *testing.T) {
	raw := os.Getenv(childEnv)
	if raw == "" {
		t.Skip("run by TestApply")
	}
	var cfg childConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	runtime.LockOSThread()
	if err := KeepOnSetuid(); err != nil {
		t.Fatal(err)
	}
	if err := unix.Setresgid(cfg.UID, cfg.UID, cfg.UID); err != nil {
		t.Fatal(err)
	}
	if err := unix.Setresuid(cfg.UID, cfg.UID, cfg.UID); err != nil {
		t.Fatal(err)
	}
	if err := Apply(cfg.Plan); err != nil {
		t.Fatal(err)
	}
	err := unix.Exec("/bin/cat", []string{"cat", "/proc/self/status"}, nil)
	t.Fatal(err)
}

func TestApply(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: setuid and a bounding set to drop")
	}
	last, err := LastCap()
	if err != nil {
		t.Fatal(err)
	}
	kill, bind := Set(1<<unix.CAP_KILL), Set(1<<unix.CAP_NET_BIND_SERVICE)
	both := []string{"CAP_KILL", "CAP_NET_BIND_SERVICE"}
	cases := []struct {
		name string
		uid  int
		c    *specs.LinuxCapabilities
		// what the program has after execve: effective, permitted,
		// inheritable, bounding, ambient
		want [5]Set
	}{
		// root: execve gives every capability of the bounding set.
		{"root", 0, &specs.LinuxCapabilities{Bounding: both, Effective: both, Permitted: both},
			[5]Set{kill | bind, kill | bind, 0, kill | bind, 0}},
		// another uid: execve keeps only the ambient set.
		{"uid 1000 with ambient", 1000, &specs.LinuxCapabilities{Bounding: both, Effective: both, Permitted: both,
			Inheritable: []string{"CAP_NET_BIND_SERVICE"}, Ambient: []string{"CAP_NET_BIND_SERVICE"}},
			[5]Set{bind, bind, bind, kill | bind, bind}},
		{"uid 1000 without ambient", 1000, &specs.LinuxCapabilities{Bounding: both, Effective: both, Permitted: both},
			[5]Set{0, 0, 0, kill | bind, 0}},
		{"nothing", 0, &specs.LinuxCapabilities{}, [5]Set{}},
	}
	for _, tc := range cases {
		p, err := NewPlan(tc.c, last)
		if err != nil {
			t.Fatal(err)
		}
		got := runChild(t, tc.uid, p)
		if got != tc.want {
			t.Errorf("%s: eff/perm/inh/bnd/amb =\n %v\nwant\n %v", tc.name, names5(got), names5(tc.want))
		}
	}
}

func names5(s [5]Set) [5][]string {
	var out [5][]string
	for i := range s {
		out[i] = s[i].Names()
	}
	return out
}

func runChild(t *testing.T, uid int, p *Plan) [5]Set {
	t.Helper()
	raw, _ := json.Marshal(childConfig{UID: uid, Plan: p})
	cmd := exec.Command(os.Args[0], "-test.run=^TestApplyChild$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var sets [5]Set
	for i, field := range []string{"CapEff:", "CapPrm:", "CapInh:", "CapBnd:", "CapAmb:"} {
		sets[i] = statusField(t, string(out), field)
	}
	return sets
}

func statusField(t *testing.T, status, field string) Set {
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return Set(n)
		}
	}
	t.Fatalf("no %s in %s", field, status)
	return 0
}

func TestLastCapOfThisKernel(t *testing.T) {
	n, err := LastCap()
	if err != nil {
		t.Fatal(err)
	}
	if n < unix.CAP_AUDIT_READ {
		t.Errorf("cap_last_cap %d: kernel older than 3.16?", n)
	}
	t.Log(fmt.Sprintf("cap_last_cap %d (%s); this package knows up to %s", n, Name(n), Name(Last)))
}
