package initproc

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestLookPathUsesContainerPath(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "hello")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := LookPath("hello", []string{"PATH=/nonexistent:" + dir})
	if err != nil || got != prog {
		t.Fatalf("LookPath = %q, %v; want %q", got, err, prog)
	}
	if _, err := LookPath("hello", []string{"PATH=/nonexistent"}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing program: err = %v, want ErrNotExist", err)
	}
	if err := os.Chmod(prog, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LookPath(prog, nil); err == nil {
		t.Error("a non-executable file was accepted")
	}
}

func TestSyncSocketReportsErrorsAndPty(t *testing.T) {
	parent, child, err := SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	defer parent.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := Report(child, Message{Type: TypePty}, w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if err := Report(child, Message{Type: TypeError, Step: "pivot_root", Error: "invalid argument"}, nil); err != nil {
		t.Fatal(err)
	}
	child.Close()
	var got *os.File
	err = Receive(parent, func(f *os.File) error { got = f; return nil })
	var se *SetupError
	if !errors.As(err, &se) || se.Error() != "pivot_root: invalid argument" {
		t.Fatalf("Receive = %v, want the child's setup error", err)
	}
	if got == nil {
		t.Fatal("the pty descriptor was not passed")
	}
	got.Close()
	if err := Receive(parent, nil); !errors.Is(err, ErrNoReport) {
		t.Errorf("after the child closed: %v, want ErrNoReport", err)
	}
}

func TestIOPriorityValue(t *testing.T) {
	for _, c := range []struct {
		p    specs.LinuxIOPriority
		want int
	}{
		{specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_RT, Priority: 0}, 1 << 13},
		{specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 4}, 2<<13 | 4},
		{specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_IDLE, Priority: 7}, 3<<13 | 7},
	} {
		if got, err := IOPriorityValue(&c.p); err != nil || got != c.want {
			t.Errorf("%+v: %d, %v; want %d", c.p, got, err, c.want)
		}
	}
	for _, bad := range []specs.LinuxIOPriority{{Class: "IOPRIO_CLASS_FAST"}, {Class: specs.IOPRIO_CLASS_BE, Priority: 8}, {Class: specs.IOPRIO_CLASS_BE, Priority: -1}} {
		if _, err := IOPriorityValue(&bad); err == nil || !strings.Contains(err.Error(), "process.ioPriority.") {
			t.Errorf("%+v: %v, want an error naming the field", bad, err)
		}
	}
}

// The limits that bind the init's own Go runtime wait for execve; the
// others are set before ready. Together they are the config's, in order.
func TestRlimitsSplitEarlyAndLate(t *testing.T) {
	all := []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE"}, {Type: "RLIMIT_AS"}, {Type: "RLIMIT_CPU"}, {Type: "RLIMIT_NPROC"}, {Type: "RLIMIT_DATA"}, {Type: "RLIMIT_STACK"}}
	var early, late []string
	for _, l := range EarlyRlimits(all) {
		early = append(early, l.Type)
	}
	for _, l := range LateRlimits(all) {
		late = append(late, l.Type)
	}
	if strings.Join(early, " ") != "RLIMIT_NOFILE RLIMIT_CPU" || strings.Join(late, " ") != "RLIMIT_AS RLIMIT_NPROC RLIMIT_DATA RLIMIT_STACK" {
		t.Errorf("early %v, late %v", early, late)
	}
}
