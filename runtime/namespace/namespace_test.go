package namespace

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestNewPlanSplitsCreateAndJoin(t *testing.T) {
	p, err := NewPlan([]specs.LinuxNamespace{
		{Type: specs.MountNamespace, Path: "/proc/1/ns/mnt"},
		{Type: specs.PIDNamespace},
		{Type: specs.NetworkNamespace, Path: "/run/skiff/netns/a"},
		{Type: specs.UTSNamespace},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := uintptr(unix.CLONE_NEWPID | unix.CLONE_NEWUTS); p.CloneFlags != want {
		t.Errorf("clone flags = %#x, want %#x", p.CloneFlags, want)
	}
	if len(p.Joins) != 2 || p.Joins[0].Type != specs.NetworkNamespace || p.Joins[1].Type != specs.MountNamespace {
		t.Errorf("joins = %+v, want net then mnt (mount namespace last)", p.Joins)
	}
}

func TestNewPlanRejectsBadInput(t *testing.T) {
	for name, nss := range map[string][]specs.LinuxNamespace{
		"unknown":   {{Type: "bogus"}},
		"duplicate": {{Type: specs.PIDNamespace}, {Type: specs.PIDNamespace}},
	} {
		_, err := NewPlan(nss)
		if err == nil || !strings.Contains(err.Error(), "linux.namespaces[") {
			t.Errorf("%s: err = %v, want an error naming linux.namespaces[i]", name, err)
		}
	}
}

func TestEveryTypeHasAProcName(t *testing.T) {
	for _, ty := range Types() {
		if ProcName(specs.LinuxNamespaceType(ty)) == "" {
			t.Errorf("%s has no /proc/PID/ns name", ty)
		}
	}
}
