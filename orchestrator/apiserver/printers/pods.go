package printers

import (
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func registerPods() {
	podSpec, podStatus := corev1.PodSpec{}.SwaggerDoc(), corev1.PodStatus{}.SwaggerDoc()
	registerRow(columns(
		nameColumn,
		col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
		col("Status", "string", "The aggregate status of the containers in this pod."),
		col("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
		ageColumn,
		wide("IP", "string", podStatus["podIP"]),
		wide("Node", "string", podSpec["nodeName"]),
		wide("Nominated Node", "string", podStatus["nominatedNodeName"]),
		wide("Readiness Gates", "string", podSpec["readinessGates"]),
	), podRow)
}

func columns(c ...metav1.TableColumnDefinition) []metav1.TableColumnDefinition { return c }

// podRow prints a pod the way kubectl get pods does.
func podRow(pod *corev1.Pod, now time.Time) metav1.TableRow {
	s := summarizePod(pod)
	restarts := strconv.Itoa(s.restarts)
	if s.restarts != 0 && !s.lastRestart.IsZero() {
		restarts = fmt.Sprintf("%d (%s ago)", s.restarts, age(s.lastRestart, now))
	}
	row := metav1.TableRow{Cells: []any{pod.Name, fmt.Sprintf("%d/%d", s.ready, s.total), s.status, restarts,
		age(pod.CreationTimestamp, now), podIP(pod), orNone(pod.Spec.NodeName), orNone(pod.Status.NominatedNodeName),
		readinessGates(pod)}}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		row.Conditions = []metav1.TableRowCondition{{Type: metav1.RowCompleted, Status: metav1.ConditionTrue,
			Reason: string(pod.Status.Phase), Message: pod.Status.Message}}
	}
	return row
}

// podSummary is what the READY, STATUS and RESTARTS columns show.
type podSummary struct {
	ready, total int
	status       string
	restarts     int
	lastRestart  metav1.Time
}

// summarizePod walks init containers (the first unfinished one decides
// an "Init:" status), then app containers (the first with a waiting or
// terminated reason, from the last, decides), then deletion.
func summarizePod(pod *corev1.Pod) podSummary {
	s := podSummary{total: len(pod.Spec.Containers), status: string(pod.Status.Phase)}
	if pod.Status.Reason != "" {
		s.status = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			s.status = corev1.PodReasonSchedulingGated
		}
	}
	sidecars := map[string]bool{}
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars[c.Name] = true
			s.total++
		}
	}
	initializing := s.initContainers(pod, sidecars)
	if !initializing || podConditionTrue(pod, corev1.PodInitialized) {
		s.appContainers(pod)
	}
	switch {
	case pod.DeletionTimestamp != nil && pod.Status.Reason == "NodeLost":
		s.status = "Unknown"
	case pod.DeletionTimestamp != nil && pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed:
		s.status = "Terminating"
	}
	return s
}

// initContainers counts init restarts and sets an Init: status; it
// reports whether the pod is still initializing. Afterwards s.restarts
// and s.lastRestart hold only the sidecars' share, which is what app
// container counting starts from once initialization is over.
func (s *podSummary) initContainers(pod *corev1.Pod, sidecars map[string]bool) bool {
	var all, side int
	var allLast, sideLast metav1.Time
	initializing := false
	for i, c := range pod.Status.InitContainerStatuses {
		all += int(c.RestartCount)
		later(&allLast, c.LastTerminationState.Terminated)
		if sidecars[c.Name] {
			side += int(c.RestartCount)
			later(&sideLast, c.LastTerminationState.Terminated)
		}
		if done, ready := initDone(c, sidecars[c.Name]); done {
			if ready {
				s.ready++
			}
			continue
		}
		s.status, initializing = initStatus(c, i, len(pod.Spec.InitContainers)), true
		break
	}
	s.restarts, s.lastRestart = all, allLast
	if !initializing || podConditionTrue(pod, corev1.PodInitialized) {
		s.restarts, s.lastRestart = side, sideLast
	}
	return initializing
}

// initDone reports whether an init container no longer blocks the pod:
// it exited 0, or it is a started sidecar (then ready counts it).
func initDone(c corev1.ContainerStatus, sidecar bool) (done, ready bool) {
	if t := c.State.Terminated; t != nil && t.ExitCode == 0 {
		return true, false
	}
	if sidecar && c.Started != nil && *c.Started {
		return true, c.Ready
	}
	return false, false
}

func initStatus(c corev1.ContainerStatus, index, count int) string {
	switch t, w := c.State.Terminated, c.State.Waiting; {
	case t != nil && t.Reason != "":
		return "Init:" + t.Reason
	case t != nil && t.Signal != 0:
		return fmt.Sprintf("Init:Signal:%d", t.Signal)
	case t != nil:
		return fmt.Sprintf("Init:ExitCode:%d", t.ExitCode)
	case w != nil && w.Reason != "" && w.Reason != "PodInitializing":
		return "Init:" + w.Reason
	}
	return fmt.Sprintf("Init:%d/%d", index, count)
}

// appContainers adds the app containers' restarts and readiness and takes
// the status from their waiting or terminated reasons.
func (s *podSummary) appContainers(pod *corev1.Pod) {
	running := false
	for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
		c := pod.Status.ContainerStatuses[i]
		s.restarts += int(c.RestartCount)
		later(&s.lastRestart, c.LastTerminationState.Terminated)
		switch w, t := c.State.Waiting, c.State.Terminated; {
		case w != nil && w.Reason != "":
			s.status = w.Reason
		case t != nil && t.Reason != "":
			s.status = t.Reason
		case t != nil && t.Signal != 0:
			s.status = fmt.Sprintf("Signal:%d", t.Signal)
		case t != nil:
			s.status = fmt.Sprintf("ExitCode:%d", t.ExitCode)
		case c.Ready && c.State.Running != nil:
			running = true
			s.ready++
		}
	}
	if s.status == "Completed" && running {
		s.status = "NotReady"
		if podConditionTrue(pod, corev1.PodReady) {
			s.status = "Running"
		}
	}
}

// later moves last to the end of t when t ended later.
func later(last *metav1.Time, t *corev1.ContainerStateTerminated) {
	if t != nil && last.Before(&t.FinishedAt) {
		*last = t.FinishedAt
	}
}

func podConditionTrue(pod *corev1.Pod, typ corev1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == typ {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func podIP(pod *corev1.Pod) string {
	if len(pod.Status.PodIPs) > 0 {
		return orNone(pod.Status.PodIPs[0].IP)
	}
	return orNone(pod.Status.PodIP)
}

// readinessGates is "true gates/all gates", or <none>.
func readinessGates(pod *corev1.Pod) string {
	if len(pod.Spec.ReadinessGates) == 0 {
		return none
	}
	ok := 0
	for _, g := range pod.Spec.ReadinessGates {
		if podConditionTrue(pod, g.ConditionType) {
			ok++
		}
	}
	return fmt.Sprintf("%d/%d", ok, len(pod.Spec.ReadinessGates))
}
