package openapi

import (
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestWideAPI generates documents for most built-in kinds: every type
// reachable from them must reflect into a schema gnostic accepts.
func TestWideAPI(t *testing.T) {
	res := func(name, kind string, ns bool, obj, list runtime.Object) Resource {
		return Resource{Name: name, Kind: kind, Namespaced: ns, Verbs: allVerbs, Object: obj, List: list}
	}
	groups := []GroupVersionResources{
		{Version: "v1", Resources: []Resource{
			res("events", "Event", true, &corev1.Event{}, &corev1.EventList{}),
			res("endpoints", "Endpoints", true, &corev1.Endpoints{}, &corev1.EndpointsList{}),
			res("persistentvolumes", "PersistentVolume", false, &corev1.PersistentVolume{}, &corev1.PersistentVolumeList{}),
			res("persistentvolumeclaims", "PersistentVolumeClaim", true, &corev1.PersistentVolumeClaim{}, &corev1.PersistentVolumeClaimList{}),
			res("secrets", "Secret", true, &corev1.Secret{}, &corev1.SecretList{}),
			res("serviceaccounts", "ServiceAccount", true, &corev1.ServiceAccount{}, &corev1.ServiceAccountList{}),
			res("limitranges", "LimitRange", true, &corev1.LimitRange{}, &corev1.LimitRangeList{}),
			res("resourcequotas", "ResourceQuota", true, &corev1.ResourceQuota{}, &corev1.ResourceQuotaList{}),
		}},
		{Group: "apps", Version: "v1", Resources: []Resource{
			res("daemonsets", "DaemonSet", true, &appsv1.DaemonSet{}, &appsv1.DaemonSetList{}),
			res("statefulsets", "StatefulSet", true, &appsv1.StatefulSet{}, &appsv1.StatefulSetList{}),
			res("replicasets", "ReplicaSet", true, &appsv1.ReplicaSet{}, &appsv1.ReplicaSetList{}),
			res("controllerrevisions", "ControllerRevision", true, &appsv1.ControllerRevision{}, &appsv1.ControllerRevisionList{}),
		}},
		{Group: "batch", Version: "v1", Resources: []Resource{res("cronjobs", "CronJob", true, &batchv1.CronJob{}, &batchv1.CronJobList{})}},
		{Group: "autoscaling", Version: "v2", Resources: []Resource{res("horizontalpodautoscalers", "HorizontalPodAutoscaler", true, &autoscalingv2.HorizontalPodAutoscaler{}, &autoscalingv2.HorizontalPodAutoscalerList{})}},
		{Group: "networking.k8s.io", Version: "v1", Resources: []Resource{
			res("ingresses", "Ingress", true, &networkingv1.Ingress{}, &networkingv1.IngressList{}),
			res("ingressclasses", "IngressClass", false, &networkingv1.IngressClass{}, &networkingv1.IngressClassList{}),
			res("networkpolicies", "NetworkPolicy", true, &networkingv1.NetworkPolicy{}, &networkingv1.NetworkPolicyList{}),
		}},
		{Group: "discovery.k8s.io", Version: "v1", Resources: []Resource{res("endpointslices", "EndpointSlice", true, &discoveryv1.EndpointSlice{}, &discoveryv1.EndpointSliceList{})}},
		{Group: "rbac.authorization.k8s.io", Version: "v1", Resources: []Resource{
			res("roles", "Role", true, &rbacv1.Role{}, &rbacv1.RoleList{}),
			res("clusterrolebindings", "ClusterRoleBinding", false, &rbacv1.ClusterRoleBinding{}, &rbacv1.ClusterRoleBindingList{}),
		}},
		{Group: "storage.k8s.io", Version: "v1", Resources: []Resource{res("storageclasses", "StorageClass", false, &storagev1.StorageClass{}, &storagev1.StorageClassList{})}},
		{Group: "coordination.k8s.io", Version: "v1", Resources: []Resource{res("leases", "Lease", true, &coordinationv1.Lease{}, &coordinationv1.LeaseList{})}},
		{Group: "scheduling.k8s.io", Version: "v1", Resources: []Resource{res("priorityclasses", "PriorityClass", false, &schedulingv1.PriorityClass{}, &schedulingv1.PriorityClassList{})}},
		{Group: "policy", Version: "v1", Resources: []Resource{res("poddisruptionbudgets", "PodDisruptionBudget", true, &policyv1.PodDisruptionBudget{}, &policyv1.PodDisruptionBudgetList{})}},
		{Group: "events.k8s.io", Version: "v1", Resources: []Resource{res("events", "Event", true, &eventsv1.Event{}, &eventsv1.EventList{})}},
		{Group: "certificates.k8s.io", Version: "v1", Resources: []Resource{res("certificatesigningrequests", "CertificateSigningRequest", false, &certificatesv1.CertificateSigningRequest{}, &certificatesv1.CertificateSigningRequestList{})}},
		{Group: "admissionregistration.k8s.io", Version: "v1", Resources: []Resource{res("validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false, &admissionregistrationv1.ValidatingWebhookConfiguration{}, &admissionregistrationv1.ValidatingWebhookConfigurationList{})}},
	}
	start := time.Now()
	h, err := NewHandler(Config{Groups: groups})
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	t.Logf("built %d group versions, v2 %d bytes (%d protobuf) in %v", len(h.v3), len(h.v2JSON.data), len(h.v2Proto.data), time.Since(start))
	if _, ok := h.v3["apis/autoscaling/v2"]; !ok {
		t.Error("autoscaling/v2 document missing")
	}
	if _, err := NewHandler(Config{Groups: groups[:1]}); err != nil {
		t.Errorf("core-only API: %v", err)
	}
}
