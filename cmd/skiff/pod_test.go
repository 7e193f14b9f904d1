package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skiffrun/skiff/internal/testutil"
	"github.com/skiffrun/skiff/netns"
)

const cliPod = `apiVersion: v1
kind: Pod
metadata:
  name: cli
spec:
  terminationGracePeriodSeconds: 0
  volumes:
  - name: cache
    emptyDir: {}
  containers:
  - name: web
    image: busybox
    command: ["sh", "-c", "echo served > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"]
  - name: client
    image: busybox
    imagePullPolicy: Never
    command: ["sh", "-c", "until wget -q -O- http://localhost:8080/; do sleep 0.1; done; exec sleep 3600"]
    volumeMounts:
    - name: cache
      mountPath: /cache
`

func TestPodRunRefusesBadManifests(t *testing.T) {
	cases := map[string]struct{ from, to, want string }{
		"syntax error":       {"  name: cli\n", "  name: [cli\n", "invalid pod manifest"},
		"duplicate name":     {"  - name: client", "  - name: web", `spec.containers[1].name: duplicate: "web"`},
		"missing volume":     {"    - name: cache\n      mountPath", "    - name: cahce\n      mountPath", `spec.containers[1].volumeMounts[0].name: not found: "cahce"`},
		"image not found":    {"    image: busybox\n    imagePullPolicy: Never", "    image: nosuchimage\n    imagePullPolicy: Never", `spec.containers[1].image: "nosuchimage"`},
		"unsupported field":  {"  containers:", "  nodeSelector: {disk: ssd}\n  containers:", "spec.nodeSelector: not supported"},
		"unknown field name": {"    command: [\"sh\", \"-c\", \"echo", "    comand: [\"sh\", \"-c\", \"echo", "spec.containers[0].comand: unknown field"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "pod.yaml")
			os.WriteFile(file, []byte(strings.Replace(cliPod, c.from, c.to, 1)), 0o644)
			root := filepath.Join(dir, "run")
			cmd, _ := newSkiffCmd()
			var out bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			cmd.SetArgs([]string{"--root", root, "--data-dir", filepath.Join(dir, "data"), "pod", "run", "-d", "-f", file})
			err := cmd.Execute()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
			if _, err := os.Stat(root); err == nil {
				t.Errorf("the runtime root %s was created for a refused manifest", root)
			}
		})
	}
}

// TestPodCLI drives the built skiff binary through a pod's life, in a
// disposable network namespace acting as the host.
func TestPodCLI(t *testing.T) {
	testutil.RequireRoot(t)
	skiff := testutil.SkiffBinary(t)
	dir := t.TempDir()
	host, err := netns.Create(filepath.Join(dir, "netns"), "host")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { netns.Remove(host) })
	run := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		all := append([]string{"--root", filepath.Join(dir, "run"), "--data-dir", filepath.Join(dir, "data")}, args...)
		if args[0] == "pod" {
			all = append(all[:4], append([]string{"pod", "--host-netns", host}, args[1:]...)...)
		}
		out, err := exec.CommandContext(ctx, skiff, all...).CombinedOutput()
		if err != nil {
			t.Fatalf("skiff %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("image", "import", "--busybox")
	file := filepath.Join(dir, "pod.yaml")
	os.WriteFile(file, []byte(cliPod), 0o644)
	if out := run("pod", "run", "-d", "-f", file); !strings.HasPrefix(out, "cli\t10.") {
		t.Errorf("pod run -d printed %q, want the name and IP", out)
	}
	t.Cleanup(func() {
		exec.Command(skiff, "--root", filepath.Join(dir, "run"), "--data-dir", filepath.Join(dir, "data"), "pod", "--host-netns", host, "rm", "-f", "cli").Run()
	})
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(run("pod", "logs", "-c", "client", "cli"), "served") {
		if time.Now().After(deadline) {
			t.Fatalf("the client never reached the server over localhost:\n%s", run("pod", "inspect", "cli"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out := run("pod", "ls"); !strings.Contains(out, "Running") || !strings.Contains(out, "2/2") {
		t.Errorf("pod ls:\n%s", out)
	}
	if out := run("pod", "exec", "-c", "web", "cli", "--", "cat", "/etc/hostname"); strings.TrimSpace(out) != "cli" {
		t.Errorf("exec: %q", out)
	}
	run("pod", "rm", "-f", "cli")
	if out := run("pod", "ls"); strings.Contains(out, "cli") {
		t.Errorf("pod ls after rm:\n%s", out)
	}
}
