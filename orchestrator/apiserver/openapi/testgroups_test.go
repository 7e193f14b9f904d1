package openapi

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
)

var allVerbs = []string{"get", "list", "create", "update", "patch", "delete", "deletecollection", "watch"}

// testGroups is a small API: enough kinds to exercise refs, maps, lists,
// inline structs, subresources and cluster-scoped resources.
func testGroups() []GroupVersionResources {
	return []GroupVersionResources{
		{Group: "", Version: "v1", Resources: []Resource{
			{Name: "pods", Kind: "Pod", Namespaced: true, Verbs: allVerbs, Object: &corev1.Pod{}, List: &corev1.PodList{}},
			{Name: "pods/status", Kind: "Pod", Namespaced: true, Verbs: []string{"get", "update", "patch"}, Object: &corev1.Pod{}},
			{Name: "pods/eviction", Kind: "Eviction", Namespaced: true, Verbs: []string{"create"}, Object: &policyv1.Eviction{}, Group: "policy", Version: "v1"},
			{Name: "configmaps", Kind: "ConfigMap", Namespaced: true, Verbs: allVerbs, Object: &corev1.ConfigMap{}, List: &corev1.ConfigMapList{}},
			{Name: "services", Kind: "Service", Namespaced: true, Verbs: allVerbs, Object: &corev1.Service{}, List: &corev1.ServiceList{}},
			{Name: "namespaces", Kind: "Namespace", Verbs: []string{"get", "list", "create", "update", "patch", "delete", "watch"}, Object: &corev1.Namespace{}, List: &corev1.NamespaceList{}},
			{Name: "nodes", Kind: "Node", Verbs: allVerbs, Object: &corev1.Node{}, List: &corev1.NodeList{}},
		}},
		{Group: "apps", Version: "v1", Resources: []Resource{
			{Name: "deployments", Kind: "Deployment", Namespaced: true, Verbs: allVerbs, Object: &appsv1.Deployment{}, List: &appsv1.DeploymentList{}},
			{Name: "deployments/scale", Kind: "Scale", Namespaced: true, Verbs: []string{"get", "update", "patch"}, Object: &autoscalingv1.Scale{}, Group: "autoscaling", Version: "v1"},
		}},
		{Group: "batch", Version: "v1", Resources: []Resource{
			{Name: "jobs", Kind: "Job", Namespaced: true, Verbs: allVerbs, Object: &batchv1.Job{}, List: &batchv1.JobList{}},
		}},
	}
}
