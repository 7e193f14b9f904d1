package container_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/skiffrun/skiff/cgroups"
	"github.com/skiffrun/skiff/runtime/container"
)

// On cgroup v2 the device rules are an eBPF program on the container's
// cgroup. The container makes a node for /dev/kmsg (c 1:11), which is not
// among the default devices, and writes to it: opening kmsg write-only
// needs no privilege, so only the device program can refuse it. The same
// container without device rules is the control: there the write works.
func TestDeviceRulesOnCgroupV2(t *testing.T) {
	e := newEnv(t)
	if mode, _ := cgroups.DetectMode(); !mode.V2() {
		t.Skipf("needs pure cgroup v2 (this host is %s; TestDeviceRulesDenyUnlistedNodes covers v1)", mode)
	}
	script := "mknod /tmp/kmsg c 1 11 && echo '<7>skiff: device rules test' > /tmp/kmsg && echo kmsg-ok; " +
		"head -c1 /dev/zero | wc -c; echo > /dev/null && echo null-ok"
	run := func(id string, rules bool) string {
		s := e.spec("sh", "-c", script)
		s.Linux.Seccomp = nil
		for _, set := range []*[]string{&s.Process.Capabilities.Bounding, &s.Process.Capabilities.Effective, &s.Process.Capabilities.Permitted} {
			*set = append(*set, "CAP_MKNOD")
		}
		if !rules {
			s.Linux.Resources.Devices = nil
		}
		var out bytes.Buffer
		w := pipeTo(t, &out)
		_, err := e.rt.Run(context.Background(), container.RunOptions{
			CreateOptions: container.CreateOptions{ID: id, Spec: s, Rootfs: e.rootfs, Bundle: e.rootfs, Stdout: w.f, Stderr: w.f},
			Remove:        true,
		})
		w.close()
		if err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	if out := run("devices-v2", true); !strings.Contains(out, "Operation not permitted") || strings.Contains(out, "kmsg-ok") ||
		!strings.Contains(out, "1\nnull-ok") {
		t.Errorf("with device rules: %q, want the kmsg write refused and /dev/zero, /dev/null usable", out)
	}
	if out := run("devices-v2-none", false); !strings.Contains(out, "kmsg-ok") {
		t.Errorf("without device rules: %q, want the kmsg write to work (control)", out)
	}
}
