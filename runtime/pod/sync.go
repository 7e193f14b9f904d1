package pod

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// decision is what the monitor does next, computed by decide from the
// containers' statuses alone (pure, like the kubelet's computePodActions).
type decision struct {
	Start  []string        // containers to start now, in order
	WakeAt time.Time       // call decide again then (a back-off ends); zero: on the next event
	Done   bool            // every app container has finished for good
	Phase  corev1.PodPhase // the pod's phase
}

// decide applies the pod's rules:
//   - init containers run one after another, each to completion (exit 0)
//     before the next starts; a failed one is restarted (with back-off)
//     unless restartPolicy is Never, which fails the pod;
//   - a sidecar (init container with restartPolicy Always) is started in
//     its turn and the next init container starts once it runs; it is
//     restarted whenever it exits;
//   - app containers start together once every init container is done,
//     and are restarted per restartPolicy (Always, OnFailure, Never);
//   - the pod is done when no app container runs or will restart:
//     Succeeded if all exited 0, else Failed.
func decide(now time.Time, policy corev1.RestartPolicy, cs []ContainerStatus) decision {
	d := decision{Phase: corev1.PodPending}
	try := func(c *ContainerStatus) {
		if now.Before(c.NextStart) {
			d.wake(c.NextStart)
			return
		}
		d.Start = append(d.Start, c.Name)
	}
	var apps, sidecars []*ContainerStatus
	for i := range cs {
		switch cs[i].Kind {
		case KindApp:
			apps = append(apps, &cs[i])
		case KindSidecar:
			sidecars = append(sidecars, &cs[i])
		}
	}
	if !initDone(cs) && !d.initStep(cs, policy, try) {
		return d
	}
	d.Phase = corev1.PodRunning
	finished, failed := 0, false
	for _, c := range apps {
		switch {
		case c.State == StateRunning:
		case !c.Started || restarts(policy, c.ExitCode):
			try(c)
		default:
			finished++
			failed = failed || c.ExitCode != 0
		}
	}
	if finished == len(apps) {
		d.Start, d.WakeAt, d.Done = nil, time.Time{}, true
		d.Phase = corev1.PodSucceeded
		if failed {
			d.Phase = corev1.PodFailed
		}
		return d
	}
	for _, c := range sidecars {
		if c.State != StateRunning {
			try(c)
		}
	}
	return d
}

// initDone: every regular init container has succeeded (and so every
// sidecar before it has started).
func initDone(cs []ContainerStatus) bool {
	for _, c := range cs {
		if c.Kind == KindInit && (c.State == StateRunning || !c.Started || c.ExitCode != 0) {
			return false
		}
		if c.Kind == KindSidecar && !c.Started {
			return false
		}
	}
	return true
}

// initStep advances the init sequence; it reports whether the sequence
// is complete and app containers may be considered.
func (d *decision) initStep(cs []ContainerStatus, policy corev1.RestartPolicy, try func(*ContainerStatus)) bool {
	for i := range cs {
		c := &cs[i]
		switch {
		case c.Kind == KindApp:
			continue
		case c.Kind == KindSidecar && c.State == StateRunning:
			continue
		case c.Kind == KindSidecar:
			try(c)
			return false
		case c.State == StateRunning:
			return false
		case !c.Started:
			try(c)
			return false
		case c.ExitCode == 0:
			continue
		case policy == corev1.RestartPolicyNever:
			d.Done, d.Phase = true, corev1.PodFailed
			return false
		default:
			try(c)
			return false
		}
	}
	return true
}

func (d *decision) wake(t time.Time) {
	if d.WakeAt.IsZero() || t.Before(d.WakeAt) {
		d.WakeAt = t
	}
}

// restarts reports whether an app container that exited with code is
// restarted under policy.
func restarts(policy corev1.RestartPolicy, code int) bool {
	switch policy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return code != 0
	}
	return true
}

// exited records a container's exit and, when it will be restarted, when
// its back-off ends.
func exited(c *ContainerStatus, code int, at time.Time, b Backoff) {
	if ranLongEnough(c.StartedAt, at) {
		c.BackoffN = 0
	}
	c.State, c.ExitCode, c.FinishedAt, c.Pid = StateTerminated, code, at, 0
	c.Reason = "Completed"
	if code != 0 {
		c.Reason = "Error"
	}
	c.NextStart = at.Add(b.Delay(c.BackoffN))
	c.BackoffN++
}

// willRestart reports whether a terminated container is waiting to run
// again, for the status shown to users.
func willRestart(c *ContainerStatus, policy corev1.RestartPolicy) bool {
	switch c.Kind {
	case KindSidecar:
		return true
	case KindInit:
		return c.ExitCode != 0 && policy != corev1.RestartPolicyNever
	}
	return restarts(policy, c.ExitCode)
}
