package pod

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func readNotes(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "course-notes", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// The course notes' single-container listings use features of later labs:
// skiff pod run refuses them by the field's name.
func TestCourseNotesListingsAreRefusedByField(t *testing.T) {
	for file, want := range map[string]string{
		"liveness-exec.yaml":      "spec.containers[0].livenessProbe: not supported",
		"lifecycle-demo.yaml":     "spec.containers[0].lifecycle: not supported",
		"cm-test-pod.yaml":        "spec.containers[0].env[0].valueFrom.configMapKeyRef: not supported",
		"with-node-affinity.yaml": "spec.affinity: not supported",
	} {
		_, err := Parse([]byte(readNotes(t, file)))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", file, err, want)
		}
	}
}

func TestCourseNotesManifests(t *testing.T) {
	cases := []struct {
		file, container, log string
		phase                corev1.PodPhase
	}{
		{"shared-network.yaml", "client", "hello from web\n", corev1.PodSucceeded},
		{"init-containers.yaml", "app", "step 1\nstep 2\n", corev1.PodSucceeded},
		{"sidecar-logging.yaml", "log-collector", "request 3", corev1.PodSucceeded},
		{"host-network.yaml", "show", "lo:", corev1.PodSucceeded},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			l := newLab(t)
			p := mustPod(t, readNotes(t, c.file))
			l.run(readNotes(t, c.file))
			st := l.waitFor(p.Name, "the pod to finish", terminal)
			if st.Phase != c.phase {
				t.Errorf("phase %s, want %s: %+v", st.Phase, c.phase, st.Containers)
			}
			if got := l.logs(p.Name, c.container, false); !strings.Contains(got, c.log) {
				t.Errorf("%s logged %q, want %q", c.container, got, c.log)
			}
		})
	}
}

func TestHostNetworkPodUsesTheHostNamespace(t *testing.T) {
	l := newLab(t)
	y := strings.Replace(readNotes(t, "host-network.yaml"), `"ip -o link show lo"`, `"readlink /proc/self/ns/net"`, 1)
	st := l.run(y)
	if st.IP != "" {
		t.Errorf("a hostNetwork pod got IP %s", st.IP)
	}
	l.waitFor("host-network", "the pod to finish", terminal)
	fi, err := os.Stat(l.host)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("net:[%d]", fi.Sys().(*syscall.Stat_t).Ino)
	if got := strings.TrimSpace(l.logs("host-network", "show", false)); got != want {
		t.Errorf("the container's network namespace is %s, the host's %s", got, want)
	}
}

func TestHostPortIsPublished(t *testing.T) {
	l := newLab(t)
	l.run(readNotes(t, "host-port.yaml"))
	l.waitFor("host-port", "the server", running("web"))
	var out string
	var err error
	for i := 0; i < 50; i++ {
		if out, err = l.httpGet("127.0.0.1:8080"); out == "published\n" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("last error: %v", err)
	t.Errorf("host port 8080: got %q", out)
}
