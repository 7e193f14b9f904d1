package container_test

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// process.ioPriority reaches the program (ionice prints its own class).
func TestIOPriority(t *testing.T) {
	e := newEnv(t)
	s := e.spec("ionice")
	s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_IDLE, Priority: 0}
	if code, out := e.runSpec(t, "ioprio", s); code != 0 || !strings.HasPrefix(out, "idle") {
		t.Errorf("ionice inside: exit %d, %q; want the idle class", code, out)
	}
}
