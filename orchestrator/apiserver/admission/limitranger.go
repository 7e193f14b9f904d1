package admission

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// limitRanger applies the LimitRanges of a pod's namespace: default
// requests and limits for containers that set none, then the min, max and
// maxLimitRequestRatio bounds per container and per pod.
type limitRanger struct{ client kubernetes.Interface }

func (p *limitRanger) items(ctx context.Context, ns string) ([]corev1.LimitRangeItem, error) {
	list, err := p.client.CoreV1().LimitRanges(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list LimitRanges of %s: %w", ns, err)
	}
	var out []corev1.LimitRangeItem
	for _, lr := range list.Items {
		for _, it := range lr.Spec.Limits {
			out = append(out, withItemDefaults(it))
		}
	}
	return out, nil
}

// withItemDefaults fills an item as the API does: default limit from max,
// default request from the default limit or min.
func withItemDefaults(it corev1.LimitRangeItem) corev1.LimitRangeItem {
	if it.Type != corev1.LimitTypeContainer {
		return it
	}
	it.Default = fillFrom(it.Default, it.Max)
	it.DefaultRequest = fillFrom(it.DefaultRequest, it.Default)
	it.DefaultRequest = fillFrom(it.DefaultRequest, it.Min)
	return it
}

func fillFrom(dst, src corev1.ResourceList) corev1.ResourceList {
	for r, q := range src {
		if _, ok := dst[r]; !ok {
			if dst == nil {
				dst = corev1.ResourceList{}
			}
			dst[r] = q.DeepCopy()
		}
	}
	return dst
}

func (p *limitRanger) mutate(ctx context.Context, req *apiserver.AdmissionRequest) error {
	pod, ok := newPod(req)
	if !ok {
		return nil
	}
	items, err := p.items(ctx, pod.Namespace)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Type != corev1.LimitTypeContainer {
			continue
		}
		for _, c := range containers(pod) {
			c.Resources.Limits = fillFrom(c.Resources.Limits, it.Default)
			c.Resources.Requests = fillFrom(c.Resources.Requests, it.DefaultRequest)
		}
	}
	return nil
}

func (p *limitRanger) validate(ctx context.Context, req *apiserver.AdmissionRequest) error {
	pod, ok := newPod(req)
	if !ok {
		return nil
	}
	items, err := p.items(ctx, pod.Namespace)
	if err != nil {
		return err
	}
	var errs []error
	for _, it := range items {
		switch it.Type {
		case corev1.LimitTypeContainer:
			for _, c := range containers(pod) {
				errs = append(errs, bounds(it, "Container", requests(c.Resources), c.Resources.Limits)...)
			}
		case corev1.LimitTypePod:
			reqs, lims := podTotals(pod)
			errs = append(errs, bounds(it, "Pod", reqs, lims)...)
		}
	}
	return errors.Join(errs...)
}

// bounds checks one container's (or pod's) requests and limits against
// an item, with Kubernetes' messages.
func bounds(it corev1.LimitRangeItem, what string, reqs, lims corev1.ResourceList) []error {
	var errs []error
	for r, min := range it.Min {
		if q, ok := reqs[r]; !ok {
			errs = append(errs, fmt.Errorf("minimum %s usage per %s is %s.  No request is specified", r, what, min.String()))
		} else if q.Cmp(min) < 0 {
			errs = append(errs, fmt.Errorf("minimum %s usage per %s is %s, but request is %s", r, what, min.String(), q.String()))
		}
	}
	for r, max := range it.Max {
		if q, ok := lims[r]; !ok {
			errs = append(errs, fmt.Errorf("maximum %s usage per %s is %s.  No limit is specified", r, what, max.String()))
		} else if q.Cmp(max) > 0 {
			errs = append(errs, fmt.Errorf("maximum %s usage per %s is %s, but limit is %s", r, what, max.String(), q.String()))
		}
	}
	for r, ratio := range it.MaxLimitRequestRatio {
		l, lok := lims[r]
		q, qok := reqs[r]
		if lok && qok && q.MilliValue() > 0 && float64(l.MilliValue())/float64(q.MilliValue()) > ratio.AsApproximateFloat64() {
			errs = append(errs, fmt.Errorf("%s max limit to request ratio per %s is %s, but provided ratio is %.6f",
				r, what, ratio.String(), float64(l.MilliValue())/float64(q.MilliValue())))
		}
	}
	return errs
}

// containers are pointers to every container of a pod, init ones
// included.
func containers(pod *corev1.Pod) []*corev1.Container {
	var out []*corev1.Container
	for i := range pod.Spec.InitContainers {
		out = append(out, &pod.Spec.InitContainers[i])
	}
	for i := range pod.Spec.Containers {
		out = append(out, &pod.Spec.Containers[i])
	}
	return out
}

// requests are a container's requests, a limit standing in for a
// missing request (as Kubernetes' defaulting makes it).
func requests(r corev1.ResourceRequirements) corev1.ResourceList {
	return fillFrom(r.Requests.DeepCopy(), r.Limits)
}

// podTotals sums the regular containers' requests and limits.
func podTotals(pod *corev1.Pod) (reqs, lims corev1.ResourceList) {
	reqs, lims = corev1.ResourceList{}, corev1.ResourceList{}
	for _, c := range pod.Spec.Containers {
		add(reqs, requests(c.Resources))
		add(lims, c.Resources.Limits)
	}
	return reqs, lims
}

func add(dst, src corev1.ResourceList) {
	for r, q := range src {
		sum := dst[r]
		if sum.Format == "" {
			sum = *resource.NewQuantity(0, q.Format)
		}
		sum.Add(q)
		dst[r] = sum
	}
}
