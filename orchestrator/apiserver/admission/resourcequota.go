package admission

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// quota enforces the ResourceQuotas of a namespace. skiff has no quota
// controller: usage is counted from the objects themselves when a new one
// arrives, and status.used is written here (and again shortly after a
// delete or a new quota).
type quota struct {
	client kubernetes.Interface
	mu     sync.Mutex // one namespace's check and status write at a time
}

// counted are the object counts a quota can limit ("pods" or
// "count/pods").
var counted = []string{"pods", "services", "configmaps", "secrets", "persistentvolumeclaims",
	"replicationcontrollers", "resourcequotas"}

func (q *quota) validate(ctx context.Context, req *apiserver.AdmissionRequest) error {
	if req.APIGroup != "" || req.Subresource != "" || req.Namespace == "" {
		return nil
	}
	if req.Operation == "DELETE" || req.Resource == "resourcequotas" && req.Operation == "CREATE" {
		go q.refreshLater(req.Namespace)
	}
	if req.Operation != "CREATE" || !contains(counted, req.Resource) {
		return nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	quotas, err := q.client.CoreV1().ResourceQuotas(req.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil || len(quotas.Items) == 0 {
		return err
	}
	d, err := delta(req)
	if err != nil {
		return err
	}
	for i := range quotas.Items {
		if err := q.admit(ctx, &quotas.Items[i], d, req.DryRun); err != nil {
			return err
		}
	}
	return nil
}

// admit checks one quota and records the new usage.
func (q *quota) admit(ctx context.Context, rq *corev1.ResourceQuota, d corev1.ResourceList, dryRun bool) error {
	if err := requiredRequests(rq.Spec.Hard, d); err != nil {
		return err
	}
	used, err := q.usage(ctx, rq.Namespace, rq.Spec.Hard)
	if err != nil {
		return err
	}
	var requested, usedS, limited []string
	for r, hard := range rq.Spec.Hard {
		dq, touched := d[r]
		if !touched {
			continue
		}
		after := used[r].DeepCopy()
		after.Add(dq)
		if after.Cmp(hard) > 0 {
			u := used[r]
			requested = append(requested, fmt.Sprintf("%s=%s", r, dq.String()))
			usedS = append(usedS, fmt.Sprintf("%s=%s", r, u.String()))
			limited = append(limited, fmt.Sprintf("%s=%s", r, hard.String()))
		}
	}
	if len(requested) > 0 {
		sort.Strings(requested)
		sort.Strings(usedS)
		sort.Strings(limited)
		return fmt.Errorf("exceeded quota: %s, requested: %s, used: %s, limited: %s", rq.Name,
			strings.Join(requested, ","), strings.Join(usedS, ","), strings.Join(limited, ","))
	}
	if dryRun {
		return nil
	}
	add(used, d)
	// status.used is for people reading the quota: usage is always
	// recounted from the objects, so a lost status write changes nothing.
	_ = q.writeStatus(ctx, rq, used)
	return nil
}

// requiredRequests: a quota on requests.cpu (say) needs every new pod to
// say how much cpu it requests.
func requiredRequests(hard, d corev1.ResourceList) error {
	if _, isPod := d["pods"]; !isPod {
		return nil
	}
	var missing []string
	for r := range hard {
		if isCompute(r) {
			if _, ok := d[r]; !ok {
				missing = append(missing, string(r))
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("failed quota: must specify %s", strings.Join(missing, ","))
	}
	return nil
}

func isCompute(r corev1.ResourceName) bool {
	switch r {
	case "cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory":
		return true
	}
	return false
}

// delta is what one new object adds to a namespace's usage.
func delta(req *apiserver.AdmissionRequest) (corev1.ResourceList, error) {
	one := resource.MustParse("1")
	d := corev1.ResourceList{corev1.ResourceName(req.Resource): one, corev1.ResourceName("count/" + req.Resource): one}
	if req.Resource == "pods" {
		pod, ok := req.Object.(*corev1.Pod)
		if !ok {
			return nil, fmt.Errorf("quota: a pods write carries a %T", req.Object)
		}
		add(d, podCompute(pod))
	}
	return d, nil
}

// podCompute is a pod's cpu and memory as quota names them.
func podCompute(pod *corev1.Pod) corev1.ResourceList {
	reqs, lims := podTotals(pod)
	out := corev1.ResourceList{}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if v, ok := reqs[r]; ok {
			out[r], out["requests."+r] = v.DeepCopy(), v.DeepCopy()
		}
		if v, ok := lims[r]; ok {
			out["limits."+r] = v.DeepCopy()
		}
	}
	return out
}

// usage counts what the namespace holds now, for the names in hard.
func (q *quota) usage(ctx context.Context, ns string, hard corev1.ResourceList) (corev1.ResourceList, error) {
	used := corev1.ResourceList{}
	for r := range hard {
		used[r] = resource.MustParse("0")
	}
	for _, kind := range counted {
		if !needs(hard, kind) {
			continue
		}
		n, compute, err := q.count(ctx, ns, kind)
		if err != nil {
			return nil, fmt.Errorf("count %s in %s: %w", kind, ns, err)
		}
		c := *resource.NewQuantity(int64(n), resource.DecimalSI)
		used[corev1.ResourceName(kind)], used[corev1.ResourceName("count/"+kind)] = c, c.DeepCopy()
		add(used, compute)
	}
	for r := range used {
		if _, ok := hard[r]; !ok {
			delete(used, r)
		}
	}
	return used, nil
}

func needs(hard corev1.ResourceList, kind string) bool {
	for r := range hard {
		if string(r) == kind || string(r) == "count/"+kind || kind == "pods" && isCompute(r) {
			return true
		}
	}
	return false
}

// count lists one kind of object; for pods it also sums the compute
// resources of those not finished.
func (q *quota) count(ctx context.Context, ns, kind string) (int, corev1.ResourceList, error) {
	core, opts := q.client.CoreV1(), metav1.ListOptions{}
	switch kind {
	case "pods":
		l, err := core.Pods(ns).List(ctx, opts)
		if err != nil {
			return 0, nil, err
		}
		n, sum := 0, corev1.ResourceList{}
		for i := range l.Items {
			p := &l.Items[i]
			if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed || p.DeletionTimestamp != nil {
				continue
			}
			n++
			add(sum, podCompute(p))
		}
		return n, sum, nil
	case "services":
		l, err := core.Services(ns).List(ctx, opts)
		return lenOf(l, err, func() int { return len(l.Items) })
	case "configmaps":
		l, err := core.ConfigMaps(ns).List(ctx, opts)
		return lenOf(l, err, func() int { return len(l.Items) })
	case "secrets":
		l, err := core.Secrets(ns).List(ctx, opts)
		return lenOf(l, err, func() int { return len(l.Items) })
	case "persistentvolumeclaims":
		l, err := core.PersistentVolumeClaims(ns).List(ctx, opts)
		return lenOf(l, err, func() int { return len(l.Items) })
	case "replicationcontrollers":
		l, err := core.ReplicationControllers(ns).List(ctx, opts)
		return lenOf(l, err, func() int { return len(l.Items) })
	case "resourcequotas":
		l, err := core.ResourceQuotas(ns).List(ctx, opts)
		return lenOf(l, err, func() int { return len(l.Items) })
	}
	return 0, nil, fmt.Errorf("quota cannot count %s", kind)
}

func lenOf(_ any, err error, n func() int) (int, corev1.ResourceList, error) {
	if err != nil {
		return 0, nil, err
	}
	return n(), nil, nil
}

func (q *quota) writeStatus(ctx context.Context, rq *corev1.ResourceQuota, used corev1.ResourceList) error {
	rq = rq.DeepCopy()
	rq.Status.Hard, rq.Status.Used = rq.Spec.Hard, used
	if _, err := q.client.CoreV1().ResourceQuotas(rq.Namespace).UpdateStatus(ctx, rq, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("record usage of quota %s: %w", rq.Name, err)
	}
	return nil
}

// refreshLater recounts a namespace's quotas once a delete or a new quota
// has been stored (admission runs before the store).
func (q *quota) refreshLater(ns string) {
	time.Sleep(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q.mu.Lock()
	defer q.mu.Unlock()
	list, err := q.client.CoreV1().ResourceQuotas(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return
	}
	for i := range list.Items {
		rq := &list.Items[i]
		if used, err := q.usage(ctx, ns, rq.Spec.Hard); err == nil {
			_ = q.writeStatus(ctx, rq, used) // best effort: the next write recounts
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
