package container_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffrun/skiff/internal/testutil"
	"github.com/skiffrun/skiff/runtime/container"
)

// hook appends its name and the status it was given on stdin to log.
func hook(name, log string) specs.Hook {
	script := `s=$(cat); case "$s" in *'"status":"'*) st=${s#*\"status\":\"}; st=${st%%\"*};; esac; echo "` + name + ` $st" >> ` + log
	return specs.Hook{Path: testutil.Busybox, Args: []string{"sh", "-c", script}}
}

func TestHooksRunInOrderWithState(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	out := t.TempDir()
	host := filepath.Join(out, "log")
	s := e.spec("true")
	s.Mounts = append(s.Mounts, specs.Mount{Destination: "/out", Type: "bind", Source: out, Options: []string{"rbind"}})
	s.Hooks = &specs.Hooks{
		Prestart:        []specs.Hook{hook("prestart", host)},
		CreateRuntime:   []specs.Hook{hook("createRuntime", host)},
		CreateContainer: []specs.Hook{hook("createContainer", host)},
		StartContainer:  []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "cat >/dev/null; echo startContainer >> /out/log"}}},
		Poststart:       []specs.Hook{hook("poststart", host)},
		Poststop:        []specs.Hook{hook("poststop", host)},
	}
	s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1", "kernel.shmmax": "12345678"}
	s.Process.Args = []string{"sh", "-c", "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax > /out/sysctl"}
	code, err := e.rt.Run(ctx, container.RunOptions{CreateOptions: container.CreateOptions{ID: "hooks", Spec: s, Rootfs: e.rootfs, Bundle: e.rootfs}, Remove: true})
	if err != nil || code != 0 {
		t.Fatalf("run: %d, %v", code, err)
	}
	data, _ := os.ReadFile(host)
	want := "prestart creating\ncreateRuntime creating\ncreateContainer creating\nstartContainer\npoststart running\npoststop stopped\n"
	if string(data) != want {
		t.Errorf("hooks ran as\n%s\nwant\n%s", data, want)
	}
	if data, _ := os.ReadFile(filepath.Join(out, "sysctl")); string(data) != "1\n12345678\n" {
		t.Errorf("sysctls inside: %q", data)
	}
}

func TestFailingHookFailsCreateAndHostSysctlRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.spec("true")
	s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: testutil.Busybox, Args: []string{"false"}}}}
	_, err := e.rt.Create(ctx, container.CreateOptions{ID: "badhook", Spec: s, Rootfs: e.rootfs, Bundle: e.rootfs})
	if err == nil || !strings.Contains(err.Error(), "createRuntime hook 0") {
		t.Errorf("failing hook: %v", err)
	}
	s = e.spec("true")
	s.Linux.Sysctl = map[string]string{"kernel.panic": "1"}
	if _, err := e.rt.Create(ctx, container.CreateOptions{ID: "badsysctl", Spec: s, Rootfs: e.rootfs, Bundle: e.rootfs}); err == nil || !strings.Contains(err.Error(), "linux.sysctl") {
		t.Errorf("host sysctl: %v", err)
	}
	if states, _ := container.List(e.rt.Root); len(states) != 0 {
		t.Errorf("failed creates left %d containers", len(states))
	}
}
