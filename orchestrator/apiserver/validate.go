package apiserver

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validation of the kinds' specs: the checks that catch real mistakes in
// manifests, each naming the field path, as Kubernetes reports them (422).

func validatePod(o runtime.Object) field.ErrorList {
	p := o.(*corev1.Pod)
	return validatePodSpec(&p.Spec, field.NewPath("spec"))
}

func validatePodSpec(s *corev1.PodSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(s.Containers) == 0 {
		errs = append(errs, field.Required(path.Child("containers"), "a pod needs at least one container"))
	}
	names := sets.New[string]()
	errs = append(errs, validateContainers(s.InitContainers, path.Child("initContainers"), names)...)
	errs = append(errs, validateContainers(s.Containers, path.Child("containers"), names)...)
	switch s.RestartPolicy {
	case corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
	default:
		errs = append(errs, field.NotSupported(path.Child("restartPolicy"), s.RestartPolicy,
			[]string{string(corev1.RestartPolicyAlways), string(corev1.RestartPolicyOnFailure), string(corev1.RestartPolicyNever)}))
	}
	if s.TerminationGracePeriodSeconds != nil && *s.TerminationGracePeriodSeconds < 0 {
		errs = append(errs, field.Invalid(path.Child("terminationGracePeriodSeconds"), *s.TerminationGracePeriodSeconds, "must be >= 0"))
	}
	for i, v := range s.Volumes {
		for _, msg := range validation.IsDNS1123Label(v.Name) {
			errs = append(errs, field.Invalid(path.Child("volumes").Index(i).Child("name"), v.Name, msg))
		}
	}
	return errs
}

func validateContainers(cs []corev1.Container, path *field.Path, names sets.Set[string]) field.ErrorList {
	var errs field.ErrorList
	for i, c := range cs {
		p := path.Index(i)
		if c.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), "every container needs a name"))
		}
		for _, msg := range validation.IsDNS1123Label(c.Name) {
			if c.Name != "" {
				errs = append(errs, field.Invalid(p.Child("name"), c.Name, msg))
			}
		}
		if names.Has(c.Name) {
			errs = append(errs, field.Duplicate(p.Child("name"), c.Name))
		}
		names.Insert(c.Name)
		if strings.TrimSpace(c.Image) == "" {
			errs = append(errs, field.Required(p.Child("image"), "every container needs an image"))
		}
		for j, port := range c.Ports {
			for _, msg := range validation.IsValidPortNum(int(port.ContainerPort)) {
				errs = append(errs, field.Invalid(p.Child("ports").Index(j).Child("containerPort"), port.ContainerPort, msg))
			}
		}
	}
	return errs
}

// validatePodUpdate allows what Kubernetes allows on a running pod: new
// images, activeDeadlineSeconds, added tolerations; the rest of the spec is
// fixed once created.
func validatePodUpdate(o, old runtime.Object) field.ErrorList {
	p, op := o.(*corev1.Pod), old.(*corev1.Pod)
	mutable := op.Spec.DeepCopy()
	for i := range mutable.Containers {
		if i < len(p.Spec.Containers) {
			mutable.Containers[i].Image = p.Spec.Containers[i].Image
		}
	}
	for i := range mutable.InitContainers {
		if i < len(p.Spec.InitContainers) {
			mutable.InitContainers[i].Image = p.Spec.InitContainers[i].Image
		}
	}
	mutable.ActiveDeadlineSeconds = p.Spec.ActiveDeadlineSeconds
	mutable.Tolerations = p.Spec.Tolerations
	mutable.TerminationGracePeriodSeconds = p.Spec.TerminationGracePeriodSeconds
	if !equality.Semantic.DeepEqual(*mutable, p.Spec) {
		return field.ErrorList{field.Forbidden(field.NewPath("spec"),
			"pod updates may not change fields other than spec.containers[*].image, spec.initContainers[*].image, spec.activeDeadlineSeconds, spec.tolerations (only additions to existing tolerations) or spec.terminationGracePeriodSeconds")}
	}
	return nil
}

func validateService(o runtime.Object) field.ErrorList {
	s := o.(*corev1.Service)
	path := field.NewPath("spec")
	var errs field.ErrorList
	switch s.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
		if len(s.Spec.Ports) == 0 && s.Spec.ClusterIP != corev1.ClusterIPNone {
			errs = append(errs, field.Required(path.Child("ports"), "a service needs at least one port"))
		}
	case corev1.ServiceTypeExternalName:
		if s.Spec.ExternalName == "" {
			errs = append(errs, field.Required(path.Child("externalName"), "an ExternalName service needs spec.externalName"))
		}
	default:
		errs = append(errs, field.NotSupported(path.Child("type"), s.Spec.Type, []string{"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"}))
	}
	names := sets.New[string]()
	for i, p := range s.Spec.Ports {
		pp := path.Child("ports").Index(i)
		if len(s.Spec.Ports) > 1 && p.Name == "" {
			errs = append(errs, field.Required(pp.Child("name"), "ports need names when a service has more than one"))
		}
		if names.Has(p.Name) && p.Name != "" {
			errs = append(errs, field.Duplicate(pp.Child("name"), p.Name))
		}
		names.Insert(p.Name)
		for _, msg := range validation.IsValidPortNum(int(p.Port)) {
			errs = append(errs, field.Invalid(pp.Child("port"), p.Port, msg))
		}
		switch p.Protocol {
		case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		default:
			errs = append(errs, field.NotSupported(pp.Child("protocol"), p.Protocol, []string{"TCP", "UDP", "SCTP"}))
		}
	}
	return errs
}

func validateServiceUpdate(o, old runtime.Object) field.ErrorList {
	s, os := o.(*corev1.Service), old.(*corev1.Service)
	if os.Spec.ClusterIP != "" && s.Spec.Type != corev1.ServiceTypeExternalName && os.Spec.Type != corev1.ServiceTypeExternalName {
		return apivalidation.ValidateImmutableField(s.Spec.ClusterIP, os.Spec.ClusterIP, field.NewPath("spec", "clusterIP"))
	}
	return nil
}

func validateKeys[V any](m map[string]V, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for k := range m {
		for _, msg := range validation.IsConfigMapKey(k) {
			errs = append(errs, field.Invalid(path.Key(k), k, msg))
		}
	}
	return errs
}

func validateSecret(o runtime.Object) field.ErrorList {
	s := o.(*corev1.Secret)
	return validateKeys(s.Data, field.NewPath("data"))
}

func validateSecretUpdate(o, old runtime.Object) field.ErrorList {
	s, os := o.(*corev1.Secret), old.(*corev1.Secret)
	errs := apivalidation.ValidateImmutableField(s.Type, os.Type, field.NewPath("type"))
	if os.Immutable != nil && *os.Immutable {
		errs = append(errs, immutableData(s.Data, os.Data, s.Immutable)...)
	}
	return errs
}

func validateConfigMap(o runtime.Object) field.ErrorList {
	c := o.(*corev1.ConfigMap)
	return append(validateKeys(c.Data, field.NewPath("data")), validateKeys(c.BinaryData, field.NewPath("binaryData"))...)
}

func validateConfigMapUpdate(o, old runtime.Object) field.ErrorList {
	c, oc := o.(*corev1.ConfigMap), old.(*corev1.ConfigMap)
	if oc.Immutable != nil && *oc.Immutable {
		errs := immutableData(c.Data, oc.Data, c.Immutable)
		return append(errs, immutableData(c.BinaryData, oc.BinaryData, c.Immutable)...)
	}
	return nil
}

func immutableData(data, old any, immutable *bool) field.ErrorList {
	var errs field.ErrorList
	if immutable == nil || !*immutable {
		errs = append(errs, field.Forbidden(field.NewPath("immutable"), "field is immutable when `immutable` is set"))
	}
	if !equality.Semantic.DeepEqual(data, old) {
		errs = append(errs, field.Forbidden(field.NewPath("data"), "field is immutable when `immutable` is set"))
	}
	return errs
}

// validateWorkload checks a controller's selector against its template.
func validateWorkload(sel *metav1.LabelSelector, tmpl *corev1.PodTemplateSpec, replicas *int32) field.ErrorList {
	path := field.NewPath("spec")
	var errs field.ErrorList
	if sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
		errs = append(errs, field.Required(path.Child("selector"), "a selector is required and must not be empty"))
	} else {
		errs = append(errs, metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, path.Child("selector"))...)
		if s, err := metav1.LabelSelectorAsSelector(sel); err == nil && !s.Matches(labels.Set(tmpl.Labels)) {
			errs = append(errs, field.Invalid(path.Child("template", "metadata", "labels"), tmpl.Labels, "`selector` does not match template `labels`"))
		}
	}
	if replicas != nil && *replicas < 0 {
		errs = append(errs, field.Invalid(path.Child("replicas"), *replicas, "must be greater than or equal to 0"))
	}
	errs = append(errs, metav1validation.ValidateLabels(tmpl.Labels, path.Child("template", "metadata", "labels"))...)
	return append(errs, validatePodSpec(&tmpl.Spec, path.Child("template", "spec"))...)
}

func validateDeployment(o runtime.Object) field.ErrorList {
	d := o.(*appsv1.Deployment)
	return validateWorkload(d.Spec.Selector, &d.Spec.Template, d.Spec.Replicas)
}

func validateReplicaSet(o runtime.Object) field.ErrorList {
	d := o.(*appsv1.ReplicaSet)
	return validateWorkload(d.Spec.Selector, &d.Spec.Template, d.Spec.Replicas)
}

func validateDaemonSet(o runtime.Object) field.ErrorList {
	d := o.(*appsv1.DaemonSet)
	errs := validateWorkload(d.Spec.Selector, &d.Spec.Template, nil)
	if d.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(field.NewPath("spec", "template", "spec", "restartPolicy"), d.Spec.Template.Spec.RestartPolicy, []string{"Always"}))
	}
	return errs
}

func validateStatefulSet(o runtime.Object) field.ErrorList {
	d := o.(*appsv1.StatefulSet)
	return validateWorkload(d.Spec.Selector, &d.Spec.Template, d.Spec.Replicas)
}

func selectorOf(obj runtime.Object) *metav1.LabelSelector {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return o.Spec.Selector
	case *appsv1.ReplicaSet:
		return o.Spec.Selector
	case *appsv1.DaemonSet:
		return o.Spec.Selector
	case *appsv1.StatefulSet:
		return o.Spec.Selector
	case *batchv1.Job:
		return o.Spec.Selector
	}
	return nil
}

// validateSelectorUpdate: apps/v1 selectors are immutable.
func validateSelectorUpdate(o, old runtime.Object) field.ErrorList {
	return apivalidation.ValidateImmutableField(selectorOf(o), selectorOf(old), field.NewPath("spec", "selector"))
}

func validateJob(o runtime.Object) field.ErrorList {
	j := o.(*batchv1.Job)
	path := field.NewPath("spec", "template", "spec", "restartPolicy")
	errs := validateWorkload(j.Spec.Selector, &j.Spec.Template, nil)
	if rp := j.Spec.Template.Spec.RestartPolicy; rp != corev1.RestartPolicyNever && rp != corev1.RestartPolicyOnFailure {
		errs = append(errs, field.NotSupported(path, rp, []string{"OnFailure", "Never"}))
	}
	return errs
}

func validateJobUpdate(o, old runtime.Object) field.ErrorList {
	j, oj := o.(*batchv1.Job), old.(*batchv1.Job)
	errs := validateSelectorUpdate(o, old)
	return append(errs, apivalidation.ValidateImmutableField(j.Spec.Completions, oj.Spec.Completions, field.NewPath("spec", "completions"))...)
}

func validateCronJob(o runtime.Object) field.ErrorList {
	c := o.(*batchv1.CronJob)
	var errs field.ErrorList
	if n := len(strings.Fields(c.Spec.Schedule)); n != 5 && !strings.HasPrefix(c.Spec.Schedule, "@") {
		errs = append(errs, field.Invalid(field.NewPath("spec", "schedule"), c.Spec.Schedule,
			fmt.Sprintf("a cron schedule has 5 fields (minute hour day-of-month month day-of-week), not %d", n)))
	}
	tmpl := c.Spec.JobTemplate.Spec.Template
	if rp := tmpl.Spec.RestartPolicy; rp != corev1.RestartPolicyNever && rp != corev1.RestartPolicyOnFailure {
		errs = append(errs, field.NotSupported(field.NewPath("spec", "jobTemplate", "spec", "template", "spec", "restartPolicy"), rp, []string{"OnFailure", "Never"}))
	}
	return append(errs, validatePodSpec(&tmpl.Spec, field.NewPath("spec", "jobTemplate", "spec", "template", "spec"))...)
}
