package admission

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

var ctx = context.Background()

func ns(name string, phase corev1.NamespacePhase) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.NamespaceStatus{Phase: phase}}
}

func pod(name string, cpuReq, cpuLim string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "dev", Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
	r := &p.Spec.Containers[0].Resources
	if cpuReq != "" {
		r.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpuReq)}
	}
	if cpuLim != "" {
		r.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpuLim)}
	}
	return p
}

func createReq(resource string, obj runtime.Object) *apiserver.AdmissionRequest {
	m := obj.(metav1.Object)
	return &apiserver.AdmissionRequest{Operation: "CREATE", Object: obj,
		Attributes: apiserver.Attributes{ResourceRequest: true, Verb: "create", Resource: resource, Namespace: m.GetNamespace(), Name: m.GetName()}}
}

// run sends req through the named plugins as the server would.
func run(t *testing.T, c *fake.Clientset, names []string, req *apiserver.AdmissionRequest) error {
	t.Helper()
	mut, val := Chain(c, names, nil)
	for _, m := range mut {
		if err := m.Admit(ctx, req); err != nil {
			return err
		}
	}
	for _, v := range val {
		if err := v.Validate(ctx, req); err != nil {
			return err
		}
	}
	return nil
}

func TestEnabled(t *testing.T) {
	got, err := Enabled(nil, []string{"ResourceQuota"})
	if err != nil || len(got) != len(Order)-1 || contains(got, "ResourceQuota") {
		t.Fatalf("disable: %v %v", got, err)
	}
	if _, err := Enabled([]string{"AlwaysPullImages"}, nil); err == nil || !strings.Contains(err.Error(), "NamespaceLifecycle") {
		t.Fatalf("unknown plugin: %v, want an error listing the plugins", err)
	}
}

func TestNamespaceLifecycle(t *testing.T) {
	c := fake.NewSimpleClientset(ns("dev", corev1.NamespaceActive), ns("old", corev1.NamespaceTerminating))
	names := []string{"NamespaceLifecycle"}
	if err := run(t, c, names, createReq("pods", pod("a", "", ""))); err != nil {
		t.Fatal(err)
	}
	p := pod("a", "", "")
	p.Namespace = "old"
	if err := run(t, c, names, createReq("pods", p)); err == nil || !strings.Contains(err.Error(), "being terminated") {
		t.Fatalf("terminating namespace: %v", err)
	}
	p.Namespace = "nope"
	if err := run(t, c, names, createReq("pods", p)); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("missing namespace: %v", err)
	}
	del := &apiserver.AdmissionRequest{Operation: "DELETE", Attributes: apiserver.Attributes{Resource: "namespaces", Name: "kube-system"}}
	if err := run(t, c, names, del); err == nil {
		t.Fatal("deleting kube-system allowed")
	}
}

func TestServiceAccountAndTolerations(t *testing.T) {
	c := fake.NewSimpleClientset(ns("dev", corev1.NamespaceActive))
	p := pod("a", "", "")
	if err := run(t, c, []string{"ServiceAccount", "DefaultTolerationSeconds"}, createReq("pods", p)); err != nil {
		t.Fatal(err)
	}
	if p.Spec.ServiceAccountName != "default" || len(p.Spec.Tolerations) != 2 || *p.Spec.Tolerations[0].TolerationSeconds != 300 {
		t.Fatalf("pod: sa=%q tolerations=%v", p.Spec.ServiceAccountName, p.Spec.Tolerations)
	}
	if _, err := c.CoreV1().ServiceAccounts("dev").Get(ctx, "default", metav1.GetOptions{}); err != nil {
		t.Fatalf("default service account not created: %v", err)
	}
	p = pod("b", "", "")
	p.Spec.ServiceAccountName = "robot"
	if err := run(t, c, []string{"ServiceAccount"}, createReq("pods", p)); err == nil || !strings.Contains(err.Error(), `"robot" not found`) {
		t.Fatalf("missing service account: %v", err)
	}
}

func TestPriority(t *testing.T) {
	c := fake.NewSimpleClientset(
		&schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "high"}, Value: 1000},
		&schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "normal"}, Value: 10, GlobalDefault: true})
	names := []string{"Priority"}
	p := pod("a", "", "")
	if err := run(t, c, names, createReq("pods", p)); err != nil || *p.Spec.Priority != 10 || p.Spec.PriorityClassName != "normal" {
		t.Fatalf("global default: err=%v spec=%+v", err, p.Spec)
	}
	p = pod("b", "", "")
	p.Spec.PriorityClassName = "high"
	if err := run(t, c, names, createReq("pods", p)); err != nil || *p.Spec.Priority != 1000 {
		t.Fatalf("high: %v", err)
	}
	p.Spec.PriorityClassName = "missing"
	p.Spec.Priority = nil
	if err := run(t, c, names, createReq("pods", p)); err == nil || !strings.Contains(err.Error(), "no PriorityClass with name missing") {
		t.Fatalf("missing class: %v", err)
	}
	second := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "other"}, Value: 5, GlobalDefault: true}
	if err := run(t, c, names, createReq("priorityclasses", second)); err == nil || !strings.Contains(err.Error(), "already marked as default") {
		t.Fatalf("second default: %v", err)
	}
}

func TestLimitRanger(t *testing.T) {
	lr := &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Namespace: "dev", Name: "lr"}, Spec: corev1.LimitRangeSpec{
		Limits: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer,
			Default:        corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")},
			DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m")},
			Max:            corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
			Min:            corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}}}}}
	c := fake.NewSimpleClientset(lr)
	names := []string{"LimitRanger"}
	p := pod("a", "", "")
	if err := run(t, c, names, createReq("pods", p)); err != nil {
		t.Fatal(err)
	}
	r := p.Spec.Containers[0].Resources
	if r.Requests.Cpu().String() != "200m" || r.Limits.Cpu().String() != "500m" {
		t.Fatalf("defaults: %v", r)
	}
	err := run(t, c, names, createReq("pods", pod("b", "", "2")))
	if err == nil || !strings.Contains(err.Error(), "maximum cpu usage per Container is 1, but limit is 2") {
		t.Fatalf("over max: %v", err)
	}
	err = run(t, c, names, createReq("pods", pod("c", "50m", "")))
	if err == nil || !strings.Contains(err.Error(), "minimum cpu usage per Container is 100m, but request is 50m") {
		t.Fatalf("under min: %v", err)
	}
}

func TestResourceQuota(t *testing.T) {
	rq := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: "dev", Name: "q"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"pods": resource.MustParse("2"), "requests.cpu": resource.MustParse("1")}}}
	running := pod("old", "500m", "")
	c := fake.NewSimpleClientset(rq, running)
	names := []string{"ResourceQuota"}
	if err := run(t, c, names, createReq("pods", pod("a", "", ""))); err == nil || !strings.Contains(err.Error(), "must specify requests.cpu") {
		t.Fatalf("no request: %v", err)
	}
	err := run(t, c, names, createReq("pods", pod("big", "600m", "")))
	if err == nil || !strings.Contains(err.Error(), "exceeded quota: q, requested: requests.cpu=600m, used: requests.cpu=500m, limited: requests.cpu=1") {
		t.Fatalf("over cpu: %v", err)
	}
	if err := run(t, c, names, createReq("pods", pod("ok", "500m", ""))); err != nil {
		t.Fatalf("within quota: %v", err)
	}
	got, _ := c.CoreV1().ResourceQuotas("dev").Get(ctx, "q", metav1.GetOptions{})
	if u := got.Status.Used["pods"]; u.String() != "2" {
		t.Fatalf("status.used pods = %s, want 2 (1 stored + 1 admitted)", u.String())
	}
	c.CoreV1().Pods("dev").Create(ctx, pod("ok", "500m", ""), metav1.CreateOptions{})
	err = run(t, c, names, createReq("pods", pod("third", "1m", "")))
	if err == nil || !strings.Contains(err.Error(), "pods=1") || !strings.Contains(err.Error(), "limited: pods=2") {
		t.Fatalf("third pod: %v", err)
	}
}

func TestDefaultServiceAccountOfANewNamespace(t *testing.T) {
	c := fake.NewSimpleClientset()
	n := ns("fresh", corev1.NamespaceActive)
	req := createReq("namespaces", n)
	if err := run(t, c, []string{"ServiceAccount"}, req); err != nil {
		t.Fatal(err)
	}
	c.CoreV1().Namespaces().Create(ctx, n, metav1.CreateOptions{}) // the server stores it after admission
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := c.CoreV1().ServiceAccounts("fresh").Get(ctx, "default", metav1.GetOptions{}); err == nil {
			return
		}
	}
	t.Fatal("no default service account in the new namespace")
}
