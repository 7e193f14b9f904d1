package printers

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func running(name string, ready bool, restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, Ready: ready, RestartCount: restarts,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ago(time.Hour)}}}
}

func waiting(name, reason string, restarts int32, lastExit time.Duration) corev1.ContainerStatus {
	s := corev1.ContainerStatus{Name: name, RestartCount: restarts,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}
	if lastExit > 0 {
		s.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", FinishedAt: ago(lastExit)}
	}
	return s
}

func terminated(name, reason string, code, signal int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: code, Signal: signal}}}
}

func pod(mut func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: om("web", 5*time.Minute),
		Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "busybox"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	mut(p)
	return p
}

func initContainers(p *corev1.Pod, n int) {
	for i := range n {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: "init" + string(rune('a'+i))})
	}
	p.Status.Phase = corev1.PodPending
}

func TestPodColumns(t *testing.T) {
	table, err := Table(&corev1.PodList{}, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"}
	if got := columnNames(table); !reflect.DeepEqual(got, want) {
		t.Errorf("columns = %v", got)
	}
	for i, c := range table.ColumnDefinitions {
		if wantPrio := int32(0); i >= 5 {
			wantPrio = 1
			if c.Priority != wantPrio {
				t.Errorf("%s priority %d, want 1 (wide)", c.Name, c.Priority)
			}
		} else if c.Priority != wantPrio {
			t.Errorf("%s priority %d, want 0", c.Name, c.Priority)
		}
		if c.Description == "" {
			t.Errorf("%s has no description", c.Name)
		}
	}
	if table.ColumnDefinitions[0].Format != "name" {
		t.Error("Name column lacks format name")
	}
}

func TestPodRows(t *testing.T) {
	yes, always := true, corev1.ContainerRestartPolicyAlways
	cases := []struct {
		name string
		pod  *corev1.Pod
		want []any // NAME READY STATUS RESTARTS AGE
	}{
		{"running", pod(func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{running("app", true, 0)}
		}), []any{"web", "1/1", "Running", "0", "5m"}},
		{"pending without statuses", pod(func(p *corev1.Pod) { p.Status.Phase = corev1.PodPending }),
			[]any{"web", "0/1", "Pending", "0", "5m"}},
		{"crash loop with last restart", pod(func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{waiting("app", "CrashLoopBackOff", 5, 2*time.Minute)}
		}), []any{"web", "0/1", "CrashLoopBackOff", "5 (2m ago)", "5m"}},
		{"image pull", pod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.ContainerStatuses = []corev1.ContainerStatus{waiting("app", "ErrImagePull", 0, 0)}
		}), []any{"web", "0/1", "ErrImagePull", "0", "5m"}},
		{"completed", pod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodSucceeded
			p.Status.ContainerStatuses = []corev1.ContainerStatus{terminated("app", "Completed", 0, 0)}
		}), []any{"web", "0/1", "Completed", "0", "5m"}},
		{"exit code without reason", pod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodFailed
			p.Status.ContainerStatuses = []corev1.ContainerStatus{terminated("app", "", 137, 0)}
		}), []any{"web", "0/1", "ExitCode:137", "0", "5m"}},
		{"signal without reason", pod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodFailed
			p.Status.ContainerStatuses = []corev1.ContainerStatus{terminated("app", "", 0, 9)}
		}), []any{"web", "0/1", "Signal:9", "0", "5m"}},
		{"one completed one running and ready", pod(func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "side"})
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
			p.Status.ContainerStatuses = []corev1.ContainerStatus{terminated("app", "Completed", 0, 0), running("side", true, 0)}
		}), []any{"web", "1/2", "Running", "0", "5m"}},
		{"one completed one running not ready", pod(func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "side"})
			p.Status.ContainerStatuses = []corev1.ContainerStatus{terminated("app", "Completed", 0, 0), running("side", true, 0)}
		}), []any{"web", "1/2", "NotReady", "0", "5m"}},
		{"init running", pod(func(p *corev1.Pod) {
			initContainers(p, 1)
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{running("inita", false, 0)}
			p.Status.ContainerStatuses = []corev1.ContainerStatus{waiting("app", "PodInitializing", 0, 0)}
		}), []any{"web", "0/1", "Init:0/1", "0", "5m"}},
		{"second of two init containers", pod(func(p *corev1.Pod) {
			initContainers(p, 2)
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{terminated("inita", "Completed", 0, 0), waiting("initb", "PodInitializing", 0, 0)}
		}), []any{"web", "0/1", "Init:1/2", "0", "5m"}},
		{"init crash loop counts init restarts", pod(func(p *corev1.Pod) {
			initContainers(p, 1)
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{waiting("inita", "CrashLoopBackOff", 3, time.Minute)}
		}), []any{"web", "0/1", "Init:CrashLoopBackOff", "3 (60s ago)", "5m"}},
		{"init failed", pod(func(p *corev1.Pod) {
			initContainers(p, 1)
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{terminated("inita", "Error", 1, 0)}
		}), []any{"web", "0/1", "Init:Error", "0", "5m"}},
		{"init exit code", pod(func(p *corev1.Pod) {
			initContainers(p, 1)
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{terminated("inita", "", 2, 0)}
		}), []any{"web", "0/1", "Init:ExitCode:2", "0", "5m"}},
		{"started sidecar counts as a container", pod(func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "proxy", RestartPolicy: &always}}
			s := running("proxy", true, 1)
			s.Started = &yes
			s.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{FinishedAt: ago(3 * time.Minute)}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{s}
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodInitialized, Status: corev1.ConditionTrue}}
			p.Status.ContainerStatuses = []corev1.ContainerStatus{running("app", true, 0)}
		}), []any{"web", "2/2", "Running", "1 (3m ago)", "5m"}},
		{"terminating", pod(func(p *corev1.Pod) {
			deleted := ago(0)
			p.DeletionTimestamp = &deleted
			p.Status.ContainerStatuses = []corev1.ContainerStatus{running("app", true, 0)}
		}), []any{"web", "1/1", "Terminating", "0", "5m"}},
		{"node lost", pod(func(p *corev1.Pod) {
			deleted := ago(0)
			p.DeletionTimestamp = &deleted
			p.Status.Reason = "NodeLost"
		}), []any{"web", "0/1", "Unknown", "0", "5m"}},
		{"evicted reason wins over phase", pod(func(p *corev1.Pod) {
			p.Status.Phase, p.Status.Reason = corev1.PodFailed, "Evicted"
		}), []any{"web", "0/1", "Evicted", "0", "5m"}},
		{"scheduling gated", pod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonSchedulingGated}}
		}), []any{"web", "0/1", "SchedulingGated", "0", "5m"}},
		{"unknown age", pod(func(p *corev1.Pod) { p.CreationTimestamp = metav1.Time{} }),
			[]any{"web", "0/1", "Running", "0", "<unknown>"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			table, err := Table(c.pod, Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if got := table.Rows[0].Cells[:5]; !reflect.DeepEqual(got, c.want) {
				t.Errorf("cells = %#v\nwant    %#v", got, c.want)
			}
		})
	}
}

func TestPodWideAndConditions(t *testing.T) {
	p := pod(func(p *corev1.Pod) {
		p.Spec.NodeName = "node-1"
		p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "lb-ready"}, {ConditionType: "dns-ready"}}
		p.Status.PodIPs = []corev1.PodIP{{IP: "10.88.0.5"}, {IP: "fd00::5"}}
		p.Status.Conditions = []corev1.PodCondition{{Type: "lb-ready", Status: corev1.ConditionTrue}, {Type: "dns-ready", Status: corev1.ConditionFalse}}
	})
	table, _ := Table(p, Options{Now: now})
	if got, want := table.Rows[0].Cells[5:], []any{"10.88.0.5", "node-1", "<none>", "1/2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("wide cells = %v, want %v", got, want)
	}
	if table.Rows[0].Conditions != nil {
		t.Errorf("running pod has row conditions %v", table.Rows[0].Conditions)
	}
	done := pod(func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded })
	table, _ = Table(done, Options{Now: now})
	if got, want := table.Rows[0].Cells[5:], []any{"<none>", "<none>", "<none>", "<none>"}; !reflect.DeepEqual(got, want) {
		t.Errorf("wide cells = %v, want %v", got, want)
	}
	cond := table.Rows[0].Conditions
	if len(cond) != 1 || cond[0].Type != metav1.RowCompleted || cond[0].Status != metav1.ConditionTrue || cond[0].Reason != "Succeeded" {
		t.Errorf("completed pod conditions = %+v", cond)
	}
}
