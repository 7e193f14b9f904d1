package apiserver

import (
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// strategy is what one kind adds to the generic create and update: its
// defaults, what it resets on create, its validation and what may not
// change on update. Every hook is optional.
type strategy struct {
	defaults       func(obj runtime.Object)
	prepareCreate  func(obj runtime.Object)
	prepareUpdate  func(obj, old runtime.Object)
	validate       func(obj runtime.Object) field.ErrorList
	validateUpdate func(obj, old runtime.Object) field.ErrorList
}

// keepStatusOnCreate lists the kinds whose creator may set the status
// (a node agent registers its node with its capacity).
var keepStatusOnCreate = map[string]bool{"Node": true}

func (st strategy) create(res *resource, obj runtime.Object) {
	if res.status && !keepStatusOnCreate[res.kind] {
		if f := getStatus(obj); f.IsValid() {
			f.Set(reflect.Zero(f.Type()))
		}
	}
	if st.defaults != nil {
		st.defaults(obj)
	}
	if st.prepareCreate != nil {
		st.prepareCreate(obj)
	}
}

func (st strategy) update(obj, old runtime.Object) {
	if st.defaults != nil {
		st.defaults(obj)
	}
	if st.prepareUpdate != nil {
		st.prepareUpdate(obj, old)
	}
}

// strategies by "group/Kind".
var strategies = map[string]strategy{
	"/Pod":       {defaults: func(o runtime.Object) { defaultPodSpec(&o.(*corev1.Pod).Spec) }, prepareCreate: preparePod, validate: validatePod, validateUpdate: validatePodUpdate},
	"/Namespace": {prepareCreate: prepareNamespace},
	"/Service":   {defaults: defaultService, validate: validateService, prepareUpdate: keepServiceAllocations, validateUpdate: validateServiceUpdate},
	"/Secret":    {defaults: defaultSecret, validate: validateSecret, validateUpdate: validateSecretUpdate},
	"/ConfigMap": {validate: validateConfigMap, validateUpdate: validateConfigMapUpdate},
	"/PersistentVolumeClaim": {prepareCreate: func(o runtime.Object) {
		o.(*corev1.PersistentVolumeClaim).Status.Phase = corev1.ClaimPending
	}},
	"/PersistentVolume": {prepareCreate: func(o runtime.Object) {
		o.(*corev1.PersistentVolume).Status.Phase = corev1.VolumePending
	}},
	"apps/Deployment":                     {defaults: defaultDeployment, validate: validateDeployment, validateUpdate: validateSelectorUpdate},
	"apps/ReplicaSet":                     {defaults: defaultReplicaSet, validate: validateReplicaSet, validateUpdate: validateSelectorUpdate},
	"apps/DaemonSet":                      {defaults: defaultDaemonSet, validate: validateDaemonSet, validateUpdate: validateSelectorUpdate},
	"apps/StatefulSet":                    {defaults: defaultStatefulSet, validate: validateStatefulSet, validateUpdate: validateSelectorUpdate},
	"batch/Job":                           {defaults: defaultJob, prepareCreate: generateJobSelector, validate: validateJob, validateUpdate: validateJobUpdate},
	"batch/CronJob":                       {defaults: defaultCronJob, validate: validateCronJob},
	"autoscaling/HorizontalPodAutoscaler": {defaults: defaultHPA},
}

func strategyFor(res *resource) strategy {
	return strategies[res.group+"/"+res.kind]
}

func preparePod(o runtime.Object) {
	p := o.(*corev1.Pod)
	p.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: qosClass(&p.Spec)}
}

func prepareNamespace(o runtime.Object) {
	ns := o.(*corev1.Namespace)
	ns.Status.Phase = corev1.NamespaceActive
	ns.Spec.Finalizers = []corev1.FinalizerName{corev1.FinalizerKubernetes}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels["kubernetes.io/metadata.name"] = ns.Name
}

// qosClass classifies a pod as Kubernetes does: Guaranteed when every
// container's requests equal its limits for cpu and memory, BestEffort
// when none sets any, Burstable otherwise.
func qosClass(spec *corev1.PodSpec) corev1.PodQOSClass {
	some, guaranteed := false, true
	for _, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[r]
			lim, hasLim := c.Resources.Limits[r]
			some = some || hasReq || hasLim
			if !hasLim || (hasReq && req.Cmp(lim) != 0) {
				guaranteed = false
			}
		}
	}
	switch {
	case !some:
		return corev1.PodQOSBestEffort
	case guaranteed:
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

// templateOf returns the pod template of a workload, for shared checks.
func templateOf(obj runtime.Object) *corev1.PodTemplateSpec {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return &o.Spec.Template
	case *appsv1.ReplicaSet:
		return &o.Spec.Template
	case *appsv1.DaemonSet:
		return &o.Spec.Template
	case *appsv1.StatefulSet:
		return &o.Spec.Template
	case *batchv1.Job:
		return &o.Spec.Template
	case *batchv1.CronJob:
		return &o.Spec.JobTemplate.Spec.Template
	}
	return nil
}
