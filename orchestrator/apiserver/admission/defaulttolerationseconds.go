package admission

import (
	"context"

	corev1 "k8s.io/api/core/v1"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// defaultTolerationSeconds is how long a pod stays on a not-ready or
// unreachable node before it is evicted.
const tolerationSeconds = 300

// defaultTolerationSeconds adds the NoExecute tolerations for
// node.kubernetes.io/not-ready and unreachable to new pods lacking them.
func defaultTolerationSeconds(_ context.Context, req *apiserver.AdmissionRequest) error {
	pod, ok := newPod(req)
	if !ok {
		return nil
	}
	for _, key := range []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable} {
		if tolerates(pod.Spec.Tolerations, key) {
			continue
		}
		secs := int64(tolerationSeconds)
		pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{Key: key,
			Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &secs})
	}
	return nil
}

func tolerates(ts []corev1.Toleration, key string) bool {
	for _, t := range ts {
		if (t.Key == key || t.Key == "" && t.Operator == corev1.TolerationOpExists) &&
			(t.Effect == corev1.TaintEffectNoExecute || t.Effect == "") {
			return true
		}
	}
	return false
}

// newPod is the pod of a CREATE of the pods resource itself.
func newPod(req *apiserver.AdmissionRequest) (*corev1.Pod, bool) {
	if req.Operation != "CREATE" || req.Resource != "pods" || req.APIGroup != "" || req.Subresource != "" {
		return nil, false
	}
	pod, ok := req.Object.(*corev1.Pod)
	return pod, ok
}
