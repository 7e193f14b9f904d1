package admission

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// systemClasses are the classes every cluster has, even before they are
// stored.
var systemClasses = map[string]int32{"system-cluster-critical": 2000000000, "system-node-critical": 2000001000}

// priority resolves a pod's priorityClassName to spec.priority; a pod
// naming none gets the globalDefault class, or priority 0.
type priority struct{ client kubernetes.Interface }

func (p *priority) mutate(ctx context.Context, req *apiserver.AdmissionRequest) error {
	pod, ok := newPod(req)
	if !ok {
		return nil
	}
	value, policy, err := p.resolve(ctx, pod)
	if err != nil {
		return err
	}
	if pod.Spec.Priority != nil && *pod.Spec.Priority != value {
		return fmt.Errorf("the integer value of priority (%d) must not be provided in pod spec; priority admission controller computed %d from the given PriorityClass name",
			*pod.Spec.Priority, value)
	}
	pod.Spec.Priority = &value
	if policy != nil && pod.Spec.PreemptionPolicy == nil {
		pod.Spec.PreemptionPolicy = policy
	}
	return nil
}

func (p *priority) resolve(ctx context.Context, pod *corev1.Pod) (int32, *corev1.PreemptionPolicy, error) {
	classes := p.client.SchedulingV1().PriorityClasses()
	name := pod.Spec.PriorityClassName
	if name == "" {
		def, err := p.globalDefault(ctx)
		if err != nil || def == nil {
			return 0, nil, err
		}
		pod.Spec.PriorityClassName = def.Name
		return def.Value, def.PreemptionPolicy, nil
	}
	pc, err := classes.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		if v, ok := systemClasses[name]; ok {
			return v, nil, nil
		}
		return 0, nil, fmt.Errorf("no PriorityClass with name %s was found", name)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("read PriorityClass %s: %w", name, err)
	}
	return pc.Value, pc.PreemptionPolicy, nil
}

func (p *priority) globalDefault(ctx context.Context) (*schedulingv1.PriorityClass, error) {
	list, err := p.client.SchedulingV1().PriorityClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list PriorityClasses: %w", err)
	}
	var best *schedulingv1.PriorityClass
	for i, pc := range list.Items {
		if pc.GlobalDefault && (best == nil || pc.Value < best.Value) {
			best = &list.Items[i]
		}
	}
	return best, nil
}

// validate allows one globalDefault class only.
func (p *priority) validate(ctx context.Context, req *apiserver.AdmissionRequest) error {
	pc, ok := req.Object.(*schedulingv1.PriorityClass)
	if !ok || !pc.GlobalDefault || req.Operation == "DELETE" {
		return nil
	}
	def, err := p.globalDefault(ctx)
	if err != nil {
		return err
	}
	if def != nil && def.Name != pc.Name {
		return fmt.Errorf("PriorityClass %s is already marked as default; only one default can exist", def.Name)
	}
	return nil
}
