package pod

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skiffrun/skiff/cgroups"
	"github.com/skiffrun/skiff/runtime/container"
)

const limitsPod = `
apiVersion: v1
kind: Pod
metadata: {name: limits}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 0
  volumes:
  - {name: mem, emptyDir: {medium: Memory, sizeLimit: 8Mi}}
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "id -u; id -g; touch /rootfs-file 2>/dev/null || echo read-only; grep CapEff /proc/self/status; grep ' /scratch ' /proc/mounts | cut -d' ' -f3; grep -c ' /scratch .*size=8192k' /proc/mounts; exec sleep 3600"]
    resources:
      limits: {cpu: 250m, memory: 32Mi}
    volumeMounts: [{name: mem, mountPath: /scratch}]
    securityContext:
      runAsUser: 1000
      runAsGroup: 3000
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
`

func TestResourcesAndSecurityContext(t *testing.T) {
	l := newLab(t)
	if mode, _ := cgroups.DetectMode(); mode.V2() {
		offered, _ := os.ReadFile(filepath.Join("/sys/fs/cgroup", testCgroupParent(), "cgroup.controllers"))
		if !slices.Contains(strings.Fields(string(offered)), "cpu") {
			t.Skipf("the cpu controller is not delegated to %s (offered: %s)", testCgroupParent(), offered)
		}
	}
	l.run(limitsPod)
	l.waitFor("limits", "the app's report", func(*Status) bool { return strings.Count(l.logs("limits", "app", false), "\n") >= 6 })
	got := l.logs("limits", "app", false)
	want := "1000\n3000\nread-only\nCapEff:\t0000000000000000\ntmpfs\n1\n"
	if got != want {
		t.Errorf("the app reported\n%s\nwant\n%s", got, want)
	}
	st, err := container.Load(filepath.Join(l.cfg.Root, "pods", "limits", "containers"), "app")
	if err != nil {
		t.Fatal(err)
	}
	if mem := st.CgroupPaths["memory"]; mem != "" { // cgroup v1 and hybrid hosts
		assertFile(t, filepath.Join(mem, "memory.limit_in_bytes"), "33554432")
		assertFile(t, filepath.Join(st.CgroupPaths["cpu"], "cpu.cfs_quota_us"), "25000")
		assertFile(t, filepath.Join(st.CgroupPaths["cpu"], "cpu.shares"), "256")
	} else {
		assertFile(t, filepath.Join(st.CgroupPaths[""], "memory.max"), "33554432")
		assertFile(t, filepath.Join(st.CgroupPaths[""], "cpu.max"), "25000 100000")
	}
}

func assertFile(t *testing.T, path, want string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return
	}
	if got := strings.TrimSpace(string(data)); got != want {
		t.Errorf("%s = %s, want %s", path, got, want)
	}
}

func TestLogsFollowAcrossRestarts(t *testing.T) {
	l := newLab(t)
	l.run(strings.NewReplacer("RESTART", "Always", "CODE", "0").Replace(restartPod))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r, w, _ := os.Pipe()
	go func() {
		Logs(ctx, l.cfg, "crash", LogOptions{Follow: true}, w)
		w.Close()
	}()
	var buf bytes.Buffer
	chunk := make([]byte, 64)
	for strings.Count(buf.String(), "run\n") < 3 {
		n, err := r.Read(chunk)
		if err != nil {
			t.Fatalf("follow ended after %q: %v", buf.String(), err)
		}
		buf.Write(chunk[:n])
	}
}

const sharedPidPod = `
apiVersion: v1
kind: Pod
metadata: {name: pids}
spec:
  shareProcessNamespace: true
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers:
  - name: sleeper
    image: busybox
    command: ["sleep", "3600"]
  - name: looker
    image: busybox
    command: ["sh", "-c", "until ps | grep -q '[s]leep 3600'; do sleep 0.1; done; cat /proc/1/cmdline | tr '\\0' ' '"]
`

func TestShareProcessNamespace(t *testing.T) {
	l := newLab(t)
	l.run(sharedPidPod)
	l.waitFor("pids", "the looker to finish", func(st *Status) bool { c, _ := st.Container("looker"); return c.State == StateTerminated })
	if got := l.logs("pids", "looker", false); !strings.HasPrefix(got, "skiff-pause") {
		t.Errorf("pid 1 of the shared namespace is %q, want the pause process", got)
	}
}

func TestAMissingCommandIsAStartError(t *testing.T) {
	l := newLab(t)
	l.run(strings.NewReplacer("RESTART", "Never", `["sh", "-c", "echo run; exit CODE"]`, `["no-such-program"]`).Replace(restartPod))
	st := l.waitFor("crash", "the pod to fail", terminal)
	app, _ := st.Container("app")
	if st.Phase != "Failed" || app.Reason != "StartError" || !strings.Contains(app.Message, "no-such-program") {
		t.Errorf("phase %s, reason %q, message %q", st.Phase, app.Reason, app.Message)
	}
}

const subPathPod = `
apiVersion: v1
kind: Pod
metadata: {name: subpath}
spec:
  hostNetwork: true
  restartPolicy: Never
  volumes:
  - {name: data, emptyDir: {}}
  initContainers:
  - name: write
    image: busybox
    command: ["sh", "-c", "echo hello > /all/app/greeting; ln -s /etc /all/escape"]
    volumeMounts: [{name: data, mountPath: /all}]
  containers:
  - name: read
    image: busybox
    workingDir: /app
    command: ["cat", "greeting"]
    volumeMounts: [{name: data, mountPath: /app, subPath: app}]
  - name: escape
    image: busybox
    command: ["ls", "/x"]
    volumeMounts: [{name: data, mountPath: /x, subPath: escape}]
`

func TestSubPathAndWorkingDir(t *testing.T) {
	l := newLab(t)
	l.run(strings.Replace(subPathPod, "echo hello", "mkdir /all/app; echo hello", 1))
	st := l.waitFor("subpath", "the pod to finish", terminal)
	if got := l.logs("subpath", "read", false); got != "hello\n" {
		t.Errorf("read a subPath from workingDir: %q", got)
	}
	escape, _ := st.Container("escape")
	if escape.Reason != "StartError" || !strings.Contains(escape.Message, "resolves outside volume") {
		t.Errorf("a subPath symlink out of the volume: reason %q, message %q", escape.Reason, escape.Message)
	}
}
