package apiserver

import (
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Some resources are served in two versions but stored once, as
// Kubernetes does: events.k8s.io/v1 Events are core/v1 Events in etcd,
// autoscaling/v1 HorizontalPodAutoscalers are autoscaling/v2 ones. A view
// converts between the served and the stored version. Conversions keep
// what both versions can express: an autoscaling/v1 client sees only the
// CPU target, and replacing an HPA through v1 drops its other metrics.
type view struct {
	stored     schema.GroupVersionKind
	toStored   func(runtime.Object) runtime.Object
	fromStored func(runtime.Object) runtime.Object
}

var (
	eventsView = &view{stored: corev1.SchemeGroupVersion.WithKind("Event"),
		toStored: func(o runtime.Object) runtime.Object { return coreEvent(o.(*eventsv1.Event)) },
		fromStored: func(o runtime.Object) runtime.Object {
			return eventsEvent(o.(*corev1.Event))
		}}
	hpaView = &view{stored: autoscalingv2.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler"),
		toStored:   func(o runtime.Object) runtime.Object { return hpaV2(o.(*autoscalingv1.HorizontalPodAutoscaler)) },
		fromStored: func(o runtime.Object) runtime.Object { return hpaV1(o.(*autoscalingv2.HorizontalPodAutoscaler)) }}
)

func coreEvent(e *eventsv1.Event) *corev1.Event {
	out := &corev1.Event{ObjectMeta: e.ObjectMeta, InvolvedObject: e.Regarding, Related: e.Related, Message: e.Note,
		Reason: e.Reason, Type: e.Type, EventTime: e.EventTime, ReportingController: e.ReportingController,
		ReportingInstance: e.ReportingInstance, Action: e.Action, Source: e.DeprecatedSource,
		FirstTimestamp: e.DeprecatedFirstTimestamp, LastTimestamp: e.DeprecatedLastTimestamp, Count: e.DeprecatedCount}
	if e.Series != nil {
		out.Series = &corev1.EventSeries{Count: e.Series.Count, LastObservedTime: e.Series.LastObservedTime}
	}
	return out
}

func eventsEvent(e *corev1.Event) *eventsv1.Event {
	out := &eventsv1.Event{ObjectMeta: e.ObjectMeta, Regarding: e.InvolvedObject, Related: e.Related, Note: e.Message,
		Reason: e.Reason, Type: e.Type, EventTime: e.EventTime, ReportingController: e.ReportingController,
		ReportingInstance: e.ReportingInstance, Action: e.Action, DeprecatedSource: e.Source,
		DeprecatedFirstTimestamp: e.FirstTimestamp, DeprecatedLastTimestamp: e.LastTimestamp, DeprecatedCount: e.Count}
	if e.Series != nil {
		out.Series = &eventsv1.EventSeries{Count: e.Series.Count, LastObservedTime: e.Series.LastObservedTime}
	}
	return out
}

func hpaV2(h *autoscalingv1.HorizontalPodAutoscaler) *autoscalingv2.HorizontalPodAutoscaler {
	ref := h.Spec.ScaleTargetRef
	out := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: h.ObjectMeta, Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: ref.Kind, Name: ref.Name, APIVersion: ref.APIVersion},
		MinReplicas:    h.Spec.MinReplicas, MaxReplicas: h.Spec.MaxReplicas,
	}, Status: autoscalingv2.HorizontalPodAutoscalerStatus{ObservedGeneration: h.Status.ObservedGeneration,
		LastScaleTime: h.Status.LastScaleTime, CurrentReplicas: h.Status.CurrentReplicas, DesiredReplicas: h.Status.DesiredReplicas}}
	if p := h.Spec.TargetCPUUtilizationPercentage; p != nil {
		out.Spec.Metrics = []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
			Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: p}}}}
	}
	if p := h.Status.CurrentCPUUtilizationPercentage; p != nil {
		out.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
			Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: p}}}}
	}
	return out
}

func hpaV1(h *autoscalingv2.HorizontalPodAutoscaler) *autoscalingv1.HorizontalPodAutoscaler {
	ref := h.Spec.ScaleTargetRef
	out := &autoscalingv1.HorizontalPodAutoscaler{ObjectMeta: h.ObjectMeta, Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv1.CrossVersionObjectReference{Kind: ref.Kind, Name: ref.Name, APIVersion: ref.APIVersion},
		MinReplicas:    h.Spec.MinReplicas, MaxReplicas: h.Spec.MaxReplicas,
	}, Status: autoscalingv1.HorizontalPodAutoscalerStatus{ObservedGeneration: h.Status.ObservedGeneration,
		LastScaleTime: h.Status.LastScaleTime, CurrentReplicas: h.Status.CurrentReplicas, DesiredReplicas: h.Status.DesiredReplicas}}
	for _, m := range h.Spec.Metrics {
		if m.Resource != nil && m.Resource.Name == corev1.ResourceCPU && m.Resource.Target.AverageUtilization != nil {
			out.Spec.TargetCPUUtilizationPercentage = m.Resource.Target.AverageUtilization
		}
	}
	for _, m := range h.Status.CurrentMetrics {
		if m.Resource != nil && m.Resource.Name == corev1.ResourceCPU && m.Resource.Current.AverageUtilization != nil {
			out.Status.CurrentCPUUtilizationPercentage = m.Resource.Current.AverageUtilization
		}
	}
	return out
}
