package apiserver

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

func TestServiceAllocation(t *testing.T) {
	_, _, cs := testServer(t)
	ctx := context.Background()
	svcs := cs.CoreV1().Services("default")
	port := []corev1.ServicePort{{Port: 80}}
	a, err := svcs.Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Spec: corev1.ServiceSpec{Ports: port}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Spec.ClusterIP != "10.96.0.1" || a.Spec.Type != corev1.ServiceTypeClusterIP || a.Spec.Ports[0].TargetPort.IntValue() != 80 {
		t.Fatalf("allocated %+v", a.Spec)
	}
	b, err := svcs.Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "b"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Ports: port}}, metav1.CreateOptions{})
	if err != nil || b.Spec.ClusterIP == a.Spec.ClusterIP || b.Spec.Ports[0].NodePort < 30000 {
		t.Fatalf("second service: %+v %v", b.Spec, err)
	}
	_, err = svcs.Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Spec: corev1.ServiceSpec{ClusterIP: a.Spec.ClusterIP, Ports: port}}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("duplicate ClusterIP: %v, want Invalid", err)
	}
	b.Spec.ClusterIP = "10.96.0.99"
	if _, err := svcs.Update(ctx, b, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("changing clusterIP: %v, want Invalid (immutable)", err)
	}
	if _, err := svcs.Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "Bad"}, Spec: corev1.ServiceSpec{Ports: port}}, metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("bad service name: %v", err)
	}
}

func TestPodRules(t *testing.T) {
	_, _, cs := testServer(t)
	ctx := context.Background()
	pods := cs.CoreV1().Pods("default")
	p, err := pods.Create(ctx, pod("p", nil), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Spec.RestartPolicy != corev1.RestartPolicyAlways || p.Status.Phase != corev1.PodPending || p.Spec.Containers[0].ImagePullPolicy != corev1.PullAlways {
		t.Fatalf("defaults: %+v %+v", p.Spec, p.Status)
	}
	p.Spec.RestartPolicy = corev1.RestartPolicyNever
	if _, err := pods.Update(ctx, p, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("changing restartPolicy: %v, want Invalid", err)
	}
	_, err = pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "empty"}}, metav1.CreateOptions{})
	se, ok := err.(*apierrors.StatusError)
	if !ok || se.ErrStatus.Code != 422 || se.ErrStatus.Details == nil || se.ErrStatus.Details.Causes[0].Field != "spec.containers" {
		t.Fatalf("pod without containers: %v", err)
	}
	if _, err := cs.CoreV1().Pods("nowhere").Create(ctx, pod("x", nil), metav1.CreateOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("create in a missing namespace: %v, want NotFound", err)
	}
}

func TestBindingGracefulDeleteEviction(t *testing.T) {
	_, _, cs := testServer(t)
	ctx := context.Background()
	pods := cs.CoreV1().Pods("default")
	pods.Create(ctx, pod("p", nil), metav1.CreateOptions{})
	bind := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Target: corev1.ObjectReference{Kind: "Node", Name: "n1"}}
	if err := pods.Bind(ctx, bind, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := pods.Bind(ctx, bind, metav1.CreateOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("second bind: %v, want Conflict", err)
	}
	p, _ := pods.Get(ctx, "p", metav1.GetOptions{})
	if p.Spec.NodeName != "n1" || len(p.Status.Conditions) != 1 {
		t.Fatalf("bound pod: node %q, conditions %v", p.Spec.NodeName, p.Status.Conditions)
	}
	// on a node: graceful (the node agent finishes), then grace 0 removes it
	if err := pods.Delete(ctx, "p", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	p, err := pods.Get(ctx, "p", metav1.GetOptions{})
	if err != nil || p.DeletionTimestamp == nil || *p.DeletionGracePeriodSeconds != 30 {
		t.Fatalf("graceful delete: %+v %v", p.ObjectMeta, err)
	}
	p.Status.Phase = corev1.PodRunning
	if _, err := pods.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("status update of a terminating pod: %v", err)
	}
	if err := pods.Delete(ctx, "p", metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(ctx, "p", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("after grace 0: %v", err)
	}
	pods.Create(ctx, pod("e", nil), metav1.CreateOptions{})
	if err := pods.EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "e"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(ctx, "e", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("after eviction: %v", err)
	}
}

func deployment(name string) *appsv1.Deployment {
	l := map[string]string{"app": name}
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: appsv1.DeploymentSpec{
		Selector: &metav1.LabelSelector{MatchLabels: l},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: l},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1"}}}}}}
}

func TestStatusScaleGeneration(t *testing.T) {
	_, _, cs := testServer(t)
	ctx := context.Background()
	deps := cs.AppsV1().Deployments("default")
	d, err := deps.Create(ctx, deployment("web"), metav1.CreateOptions{})
	if err != nil || d.Generation != 1 || *d.Spec.Replicas != 1 {
		t.Fatalf("create: %v %+v", err, d)
	}
	d.Labels = map[string]string{"x": "y"}
	d.Status.Replicas = 5 // ignored: status changes through /status only
	d, _ = deps.Update(ctx, d, metav1.UpdateOptions{})
	if d.Generation != 1 || d.Status.Replicas != 0 {
		t.Fatalf("metadata update: generation %d, status %+v", d.Generation, d.Status)
	}
	d.Status.ObservedGeneration = 1
	d.Spec.Paused = true // ignored by /status
	d, err = deps.UpdateStatus(ctx, d, metav1.UpdateOptions{})
	if err != nil || d.Status.ObservedGeneration != 1 || d.Spec.Paused {
		t.Fatalf("status update: %v %+v", err, d)
	}
	sc, err := deps.GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil || sc.Spec.Replicas != 1 || sc.Status.Selector != "app=web" {
		t.Fatalf("get scale: %+v %v", sc, err)
	}
	sc.Spec.Replicas = 4
	if _, err := deps.UpdateScale(ctx, "web", sc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := deps.Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"replicas":6}}`), metav1.PatchOptions{}, "scale"); err != nil {
		t.Fatal(err)
	}
	d, _ = deps.Get(ctx, "web", metav1.GetOptions{})
	if *d.Spec.Replicas != 6 || d.Generation != 3 {
		t.Fatalf("after scaling: replicas %d generation %d", *d.Spec.Replicas, d.Generation)
	}
	d.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "other"}}
	if _, err := deps.Update(ctx, d, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("selector change: %v, want Invalid", err)
	}
	_ = autoscalingv1.Scale{}
}

func TestJobSelector(t *testing.T) {
	_, _, cs := testServer(t)
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "j"}, Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
		Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}}}
	j, err := cs.BatchV1().Jobs("default").Create(context.Background(), j, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	uid := string(j.UID)
	if j.Spec.Selector.MatchLabels["batch.kubernetes.io/controller-uid"] != uid || j.Spec.Template.Labels["job-name"] != "j" || *j.Spec.BackoffLimit != 6 {
		t.Fatalf("job: %+v", j.Spec)
	}
}

// waitGone polls until get reports NotFound.
func waitGone(t *testing.T, what string, get func() error) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if apierrors.IsNotFound(get()) {
			return
		}
	}
	t.Fatalf("%s still there after 15s", what)
}

func ownedPod(name string, owner metav1.Object) *corev1.Pod {
	p := pod(name, nil)
	p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.GetName(), UID: owner.GetUID()}}
	return p
}

func TestGarbageCollection(t *testing.T) {
	_, _, cs := testServer(t)
	ctx := context.Background()
	cms, pods := cs.CoreV1().ConfigMaps("default"), cs.CoreV1().Pods("default")
	for _, policy := range []metav1.DeletionPropagation{metav1.DeletePropagationBackground, metav1.DeletePropagationForeground, metav1.DeletePropagationOrphan} {
		owner, _ := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner"}}, metav1.CreateOptions{})
		pods.Create(ctx, ownedPod("dep", owner), metav1.CreateOptions{})
		if err := cms.Delete(ctx, "owner", metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
			t.Fatal(err)
		}
		waitGone(t, "owner", func() error { _, err := cms.Get(ctx, "owner", metav1.GetOptions{}); return err })
		if policy == metav1.DeletePropagationOrphan {
			p, err := pods.Get(ctx, "dep", metav1.GetOptions{})
			if err != nil || len(p.OwnerReferences) != 0 {
				t.Fatalf("orphan: %v %v", err, p.OwnerReferences)
			}
			continue
		}
		waitGone(t, string(policy)+" dependent", func() error { _, err := pods.Get(ctx, "dep", metav1.GetOptions{}); return err })
	}
}

func TestFinalizers(t *testing.T) {
	_, _, cs := testServer(t)
	ctx := context.Background()
	cms := cs.CoreV1().ConfigMaps("default")
	cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "f", Finalizers: []string{"example.com/hold"}}}, metav1.CreateOptions{})
	cms.Delete(ctx, "f", metav1.DeleteOptions{})
	cm, err := cms.Get(ctx, "f", metav1.GetOptions{})
	if err != nil || cm.DeletionTimestamp == nil {
		t.Fatalf("finalized object: %v %+v", err, cm)
	}
	cm.Finalizers = nil
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Get(ctx, "f", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("after removing the last finalizer: %v", err)
	}
}

func TestNamespaceLifecycle(t *testing.T) {
	_, _, cs := testServer(t)
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "t"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cs.CoreV1().ConfigMaps("t").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Finalizers: []string{"example.com/hold"}}}, metav1.CreateOptions{})
	if err := cs.CoreV1().Namespaces().Delete(ctx, "t", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	ns, err := cs.CoreV1().Namespaces().Get(ctx, "t", metav1.GetOptions{})
	if err != nil || ns.Status.Phase != corev1.NamespaceTerminating {
		t.Fatalf("namespace after delete: %v %+v", err, ns.Status)
	}
	if _, err := cs.CoreV1().ConfigMaps("t").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "new"}}, metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("create in terminating namespace: %v, want Forbidden", err)
	}
	releaseFinalizer(t, cs, "t", "c")
	waitGone(t, "namespace t", func() error { _, err := cs.CoreV1().Namespaces().Get(ctx, "t", metav1.GetOptions{}); return err })
	if err := cs.CoreV1().Namespaces().Delete(ctx, "default", metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("delete default: %v, want Forbidden", err)
	}
}

func releaseFinalizer(t *testing.T, cs kubernetes.Interface, ns, name string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		cm, err := cs.CoreV1().ConfigMaps(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil || cm.DeletionTimestamp == nil {
			continue
		}
		cm.Finalizers = nil
		if _, err := cs.CoreV1().ConfigMaps(ns).Update(context.Background(), cm, metav1.UpdateOptions{}); err == nil {
			return
		}
	}
	t.Fatalf("%s/%s was never marked for deletion", ns, name)
}

func TestConvertedViews(t *testing.T) {
	_, _, cs := testServer(t)
	ctx := context.Background()
	ev := &eventsv1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e1"}, Note: "hello", Reason: "Test", Type: "Normal",
		Action: "Testing", ReportingController: "skiff/test", ReportingInstance: "t1",
		EventTime: metav1.NowMicro(), Regarding: corev1.ObjectReference{Kind: "Pod", Name: "p", Namespace: "default"}}
	if _, err := cs.EventsV1().Events("default").Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	core, err := cs.CoreV1().Events("default").Get(ctx, "e1", metav1.GetOptions{})
	if err != nil || core.Message != "hello" || core.InvolvedObject.Name != "p" {
		t.Fatalf("core view of an events.k8s.io event: %+v %v", core, err)
	}
	pct := int32(60)
	h := &autoscalingv1.HorizontalPodAutoscaler{ObjectMeta: metav1.ObjectMeta{Name: "h"}, Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv1.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"},
		MaxReplicas:    5, TargetCPUUtilizationPercentage: &pct}}
	if _, err := cs.AutoscalingV1().HorizontalPodAutoscalers("default").Create(ctx, h, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	v2, err := cs.AutoscalingV2().HorizontalPodAutoscalers("default").Get(ctx, "h", metav1.GetOptions{})
	if err != nil || len(v2.Spec.Metrics) != 1 || *v2.Spec.Metrics[0].Resource.Target.AverageUtilization != 60 {
		t.Fatalf("v2 view of a v1 HPA: %+v %v", v2, err)
	}
}

func TestKubernetesService(t *testing.T) {
	_, _, cs := testServer(t, func(c *Config) { c.AdvertiseAddress, c.AdvertisePort = "127.0.0.1", 6443 })
	svc, err := cs.CoreV1().Services("default").Get(context.Background(), "kubernetes", metav1.GetOptions{})
	if err != nil || svc.Spec.ClusterIP != "10.96.0.1" || svc.Spec.Ports[0].Port != 443 {
		t.Fatalf("kubernetes service: %+v %v", svc, err)
	}
	ep, err := cs.CoreV1().Endpoints("default").Get(context.Background(), "kubernetes", metav1.GetOptions{})
	if err != nil || ep.Subsets[0].Addresses[0].IP != "127.0.0.1" || ep.Subsets[0].Ports[0].Port != 6443 {
		t.Fatalf("kubernetes endpoints: %+v %v", ep, err)
	}
}
