package container

import (
	"errors"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

func TestValidateID(t *testing.T) {
	for _, ok := range []string{"a", "web-1", "x_y.z+1", "0abc"} {
		if err := ValidateID(ok); err != nil {
			t.Errorf("ValidateID(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a/b", "..", "a..b", "../x", ".hidden", "-x", "a b"} {
		if err := ValidateID(bad); !errors.Is(err, ErrBadID) {
			t.Errorf("ValidateID(%q) = %v, want ErrBadID", bad, err)
		}
	}
}

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]unix.Signal{"KILL": unix.SIGKILL, "SIGKILL": unix.SIGKILL, "9": unix.SIGKILL, "term": unix.SIGTERM, "HUP": unix.SIGHUP} {
		if got, err := ParseSignal(in); err != nil || got != want {
			t.Errorf("ParseSignal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"BOGUS", "0", "65", "-1"} {
		if _, err := ParseSignal(bad); err == nil {
			t.Errorf("ParseSignal(%q) accepted", bad)
		}
	}
}

func TestStatusFromProcess(t *testing.T) {
	dir := t.TempDir()
	start, _, err := procStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	st := &State{ID: "x", Pid: os.Getpid(), PidStart: start, dir: dir}
	if s := st.Status(); s != Running {
		t.Errorf("live process: %s, want running", s)
	}
	if err := unix.Mkfifo(dir+"/"+fifoName, 0o600); err != nil {
		t.Fatal(err)
	}
	if s := st.Status(); s != Created {
		t.Errorf("live process with exec.fifo: %s, want created", s)
	}
	st.PidStart++
	if s := st.Status(); s != Stopped {
		t.Errorf("reused pid: %s, want stopped", s)
	}
}
