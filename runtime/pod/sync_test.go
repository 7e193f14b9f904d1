package pod

import (
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func statuses(kinds ...string) []ContainerStatus {
	var out []ContainerStatus
	for i, k := range kinds {
		out = append(out, ContainerStatus{Name: string(rune('a' + i)), Kind: k, State: StateWaiting})
	}
	return out
}

func run(c *ContainerStatus)            { c.Started, c.State, c.StartedAt = true, StateRunning, now0 }
func exit(c *ContainerStatus, code int) { exited(c, code, now0, Backoff{}) }

var now0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestDecideInitContainersRunInOrder(t *testing.T) {
	cs := statuses(KindInit, KindInit, KindApp, KindApp)
	d := decide(now0, corev1.RestartPolicyAlways, cs)
	if !slices.Equal(d.Start, []string{"a"}) || d.Phase != corev1.PodPending {
		t.Fatalf("start %v phase %s, want [a] Pending", d.Start, d.Phase)
	}
	run(&cs[0])
	if d := decide(now0, corev1.RestartPolicyAlways, cs); len(d.Start) != 0 {
		t.Fatalf("started %v while the first init container runs", d.Start)
	}
	exit(&cs[0], 0)
	if d := decide(now0, corev1.RestartPolicyAlways, cs); !slices.Equal(d.Start, []string{"b"}) {
		t.Fatalf("start %v, want [b]", d.Start)
	}
	run(&cs[1])
	exit(&cs[1], 0)
	if d := decide(now0, corev1.RestartPolicyAlways, cs); !slices.Equal(d.Start, []string{"c", "d"}) || d.Phase != corev1.PodRunning {
		t.Fatalf("start %v phase %s, want [c d] Running", d.Start, d.Phase)
	}
}

func TestDecideFailingInitBlocksApps(t *testing.T) {
	cs := statuses(KindInit, KindApp)
	run(&cs[0])
	exit(&cs[0], 1)
	d := decide(now0, corev1.RestartPolicyOnFailure, cs)
	if !slices.Equal(d.Start, []string{"a"}) {
		t.Fatalf("first restart should be immediate: %+v", d)
	}
	run(&cs[0])
	cs[0].RestartCount = 1
	exit(&cs[0], 1)
	d = decide(now0, corev1.RestartPolicyOnFailure, cs)
	if len(d.Start) != 0 || !d.WakeAt.Equal(now0.Add(10*time.Second)) {
		t.Fatalf("second restart should wait 10s: %+v", d)
	}
	if d := decide(now0.Add(10*time.Second), corev1.RestartPolicyOnFailure, cs); !slices.Equal(d.Start, []string{"a"}) {
		t.Fatalf("after the back-off: %+v", d)
	}
	d = decide(now0, corev1.RestartPolicyNever, cs)
	if !d.Done || d.Phase != corev1.PodFailed {
		t.Fatalf("Never: %+v, want done and Failed", d)
	}
}

func TestDecideSidecarStartsFirstAndRestarts(t *testing.T) {
	cs := statuses(KindSidecar, KindInit, KindApp)
	if d := decide(now0, corev1.RestartPolicyNever, cs); !slices.Equal(d.Start, []string{"a"}) {
		t.Fatalf("start %v, want the sidecar", d.Start)
	}
	run(&cs[0])
	if d := decide(now0, corev1.RestartPolicyNever, cs); !slices.Equal(d.Start, []string{"b"}) {
		t.Fatalf("start %v, want the init container once the sidecar runs", d.Start)
	}
	run(&cs[1])
	exit(&cs[1], 0)
	run(&cs[2])
	exit(&cs[0], 137)
	if d := decide(now0, corev1.RestartPolicyNever, cs); !slices.Equal(d.Start, []string{"a"}) {
		t.Fatalf("a sidecar restarts even under Never: %+v", d)
	}
	exit(&cs[2], 0)
	if d := decide(now0, corev1.RestartPolicyNever, cs); !d.Done || d.Phase != corev1.PodSucceeded {
		t.Fatalf("the pod is done when its app containers are, sidecars aside: %+v", d)
	}
}

func TestDecideRestartPolicies(t *testing.T) {
	for _, c := range []struct {
		policy corev1.RestartPolicy
		code   int
		start  bool
		phase  corev1.PodPhase
	}{
		{corev1.RestartPolicyAlways, 0, true, corev1.PodRunning},
		{corev1.RestartPolicyOnFailure, 0, false, corev1.PodSucceeded},
		{corev1.RestartPolicyOnFailure, 2, true, corev1.PodRunning},
		{corev1.RestartPolicyNever, 2, false, corev1.PodFailed},
	} {
		cs := statuses(KindApp)
		run(&cs[0])
		exit(&cs[0], c.code)
		d := decide(now0, c.policy, cs)
		if (len(d.Start) == 1) != c.start || d.Phase != c.phase {
			t.Errorf("%s exit %d: %+v, want start=%v phase %s", c.policy, c.code, d, c.start, c.phase)
		}
	}
}

func TestDecideSidecarWithoutInitContainers(t *testing.T) {
	cs := statuses(KindSidecar, KindApp)
	if d := decide(now0, corev1.RestartPolicyAlways, cs); !slices.Equal(d.Start, []string{"a"}) {
		t.Fatalf("start %v, want the sidecar before the app", d.Start)
	}
}
