package pod

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	corev1 "k8s.io/api/core/v1"
)

func mustPod(t testing.TB, y string) *corev1.Pod {
	t.Helper()
	p, err := Parse([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(p); err != nil {
		t.Fatal(err)
	}
	return p
}

const planPod = `
apiVersion: v1
kind: Pod
metadata: {name: p1, namespace: team}
spec:
  shareProcessNamespace: true
  volumes:
  - {name: data, emptyDir: {}}
  containers:
  - name: app
    image: busybox
    env:
    - {name: A, value: one}
    - {name: B, value: "$(A)-two $$(A)"}
    - name: NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: NS
      valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
    - name: IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
    resources:
      limits: {cpu: 500m, memory: 64Mi}
    volumeMounts:
    - {name: data, mountPath: /data, subPath: sub, readOnly: true}
    securityContext:
      runAsUser: 1000
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL], add: [NET_ADMIN]}
`

func TestSpec(t *testing.T) {
	p := mustPod(t, planPod)
	c := &p.Spec.Containers[0]
	s, err := Spec(ContainerPlan{Pod: p, Container: c, Process: &specs.Process{Args: []string{"sh"}}, Rootfs: "/r",
		PausePid: 42, FilesDir: "/f", Volumes: map[string]string{"data": "/v/data"}})
	if err != nil {
		t.Fatal(err)
	}
	var joined []string
	for _, ns := range s.Linux.Namespaces {
		joined = append(joined, string(ns.Type)+"="+ns.Path)
	}
	want := []string{"mount=", "cgroup=", "network=/proc/42/ns/net", "ipc=/proc/42/ns/ipc", "uts=/proc/42/ns/uts", "pid=/proc/42/ns/pid"}
	if !slices.Equal(joined, want) {
		t.Errorf("namespaces %v, want %v", joined, want)
	}
	if s.Hostname != "" {
		t.Errorf("hostname %q: a pod container must not set the shared UTS namespace's name", s.Hostname)
	}
	last := s.Mounts[len(s.Mounts)-1]
	if last.Destination != "/data" || last.Source != "/v/data/sub" || !slices.Contains(last.Options, "ro") {
		t.Errorf("volume mount %+v", last)
	}
	if !slices.ContainsFunc(s.Mounts, func(m specs.Mount) bool { return m.Destination == "/etc/hosts" && m.Source == "/f/hosts" }) {
		t.Error("no /etc/hosts bind mount")
	}
	if got := s.Process.Capabilities.Bounding; !slices.Equal(got, []string{"CAP_NET_ADMIN"}) {
		t.Errorf("capabilities %v, want only CAP_NET_ADMIN", got)
	}
	if !s.Root.Readonly {
		t.Error("readOnlyRootFilesystem not applied")
	}
	r := s.Linux.Resources
	if *r.Memory.Limit != 64<<20 || *r.CPU.Quota != 50000 || *r.CPU.Period != 100000 || *r.CPU.Shares != 512 {
		t.Errorf("resources: memory %d quota %d period %d shares %d", *r.Memory.Limit, *r.CPU.Quota, *r.CPU.Period, *r.CPU.Shares)
	}
	if u := UserOf(p, c); u != "1000" {
		t.Errorf("user %q, want 1000", u)
	}
	env := Env(p, c, "10.0.0.9")
	wantEnv := []string{"A=one", "B=one-two $(A)", "NAME=p1", "NS=team", "IP=10.0.0.9"}
	if !slices.Equal(env, wantEnv) {
		t.Errorf("env %v, want %v", env, wantEnv)
	}
}

func TestSpecOwnPidAndPrivileged(t *testing.T) {
	p := mustPod(t, strings.Replace(strings.Replace(planPod, "  shareProcessNamespace: true\n", "", 1),
		"      capabilities: {drop: [ALL], add: [NET_ADMIN]}", "      privileged: true", 1))
	s, err := Spec(ContainerPlan{Pod: p, Container: &p.Spec.Containers[0], Process: &specs.Process{Args: []string{"sh"}},
		PausePid: 42, Volumes: map[string]string{"data": "/v"}})
	if err != nil {
		t.Fatal(err)
	}
	if ns := s.Linux.Namespaces[len(s.Linux.Namespaces)-1]; ns.Type != specs.PIDNamespace || ns.Path != "" {
		t.Errorf("pid namespace %+v, want a new one", ns)
	}
	if len(s.Process.Capabilities.Bounding) != len(allCapabilities) || len(s.Linux.MaskedPaths) != 0 {
		t.Errorf("privileged: %d capabilities, masked %v", len(s.Process.Capabilities.Bounding), s.Linux.MaskedPaths)
	}
}

func TestResourcesRequestOnly(t *testing.T) {
	p := mustPod(t, strings.Replace(planPod, "limits: {cpu: 500m, memory: 64Mi}", "requests: {cpu: 250m}", 1))
	r := Resources(p.Spec.Containers[0].Resources)
	if r.CPU == nil || *r.CPU.Shares != 256 || r.CPU.Quota != nil || r.Memory != nil {
		t.Errorf("resources %+v", r)
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{}
	want := []time.Duration{0, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 300 * time.Second, 300 * time.Second}
	for n, w := range want {
		if got := b.Delay(n); got != w {
			t.Errorf("Delay(%d) = %s, want %s", n, got, w)
		}
	}
	if got := (Backoff{Base: 100 * time.Millisecond}).Delay(3); got != 400*time.Millisecond {
		t.Errorf("base 100ms: Delay(3) = %s", got)
	}
}

func TestCRILog(t *testing.T) {
	var buf bytes.Buffer
	at := time.Date(2016, 10, 6, 0, 17, 9, 669794202, time.UTC)
	lw := &logWriter{w: &buf, now: func() time.Time { return at }}
	long := strings.Repeat("x", maxLogLine+10)
	if err := lw.copyStream("stdout", strings.NewReader("hello\n"+long+"\nlast")); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if lines[0] != "2016-10-06T00:17:09.669794202Z stdout F hello" {
		t.Errorf("first line %q", lines[0])
	}
	if len(lines) != 4 || !strings.Contains(lines[1], " stdout P ") || !strings.HasSuffix(lines[3], " F last") {
		t.Errorf("records: %d lines: %.80q", len(lines), lines)
	}
	var out bytes.Buffer
	if err := WriteMessages(&out, &buf); err != nil {
		t.Fatal(err)
	}
	if out.String() != "hello\n"+long+"\nlast\n" {
		t.Errorf("messages do not round-trip: %d bytes", out.Len())
	}
}

func TestHostPortsAndCheckImages(t *testing.T) {
	p := mustPod(t, strings.Replace(goodPod, "    image: busybox\n    command", "    image: busybox\n    ports:\n    - {containerPort: 80, hostPort: 8080, hostIP: 127.0.0.1}\n    - {containerPort: 53, hostPort: 5353, protocol: UDP}\n    - {containerPort: 9000}\n    command", 1))
	got := HostPorts(p)
	if len(got) != 2 || got[0].HostPort != 8080 || got[0].ContainerPort != 80 || got[0].HostIP.String() != "127.0.0.1" || got[1].Proto != "udp" {
		t.Errorf("host ports %+v", got)
	}
	var asked []string
	find := func(_ context.Context, image string, never bool) error {
		asked = append(asked, image)
		if image == "missing" {
			return errors.New("not in the store")
		}
		return nil
	}
	p.Spec.Containers[1].Image = "missing"
	err := CheckImages(context.Background(), p, find)
	if err == nil || !strings.Contains(err.Error(), `spec.containers[1].image: "missing": not in the store`) || len(asked) != 2 {
		t.Errorf("CheckImages: %v (asked %v)", err, asked)
	}
}
