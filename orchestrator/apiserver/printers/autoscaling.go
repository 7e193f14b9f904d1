package printers

import (
	"fmt"
	"strings"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

func registerAutoscaling() {
	spec := autoscalingv2.HorizontalPodAutoscalerSpec{}.SwaggerDoc()
	hpa := columns(nameColumn,
		col("Reference", "string", spec["scaleTargetRef"]),
		col("Targets", "string", spec["metrics"]),
		col("MinPods", "string", spec["minReplicas"]),
		col("MaxPods", "integer", spec["maxReplicas"]),
		col("Replicas", "integer", autoscalingv2.HorizontalPodAutoscalerStatus{}.SwaggerDoc()["currentReplicas"]),
		ageColumn)
	register(hpa, hpaV2Cells)
	register(hpa, hpaV1Cells)
}

func hpaV2Cells(h *autoscalingv2.HorizontalPodAutoscaler, now time.Time) []any {
	ref := h.Spec.ScaleTargetRef
	return []any{h.Name, ref.Kind + "/" + ref.Name, hpaTargets(h.Spec.Metrics, h.Status.CurrentMetrics),
		int32Or(h.Spec.MinReplicas, unset), int64(h.Spec.MaxReplicas), int64(h.Status.CurrentReplicas), age(h.CreationTimestamp, now)}
}

func hpaV1Cells(h *autoscalingv1.HorizontalPodAutoscaler, now time.Time) []any {
	ref := h.Spec.ScaleTargetRef
	target := "<none>"
	if h.Spec.TargetCPUUtilizationPercentage != nil {
		current := unknown
		if h.Status.CurrentCPUUtilizationPercentage != nil {
			current = fmt.Sprintf("%d%%", *h.Status.CurrentCPUUtilizationPercentage)
		}
		target = fmt.Sprintf("cpu: %s/%d%%", current, *h.Spec.TargetCPUUtilizationPercentage)
	}
	return []any{h.Name, ref.Kind + "/" + ref.Name, target,
		int32Or(h.Spec.MinReplicas, unset), int64(h.Spec.MaxReplicas), int64(h.Status.CurrentReplicas), age(h.CreationTimestamp, now)}
}

// hpaTargets prints "current/target" per metric, the first two of them;
// statuses line up with specs by index.
func hpaTargets(specs []autoscalingv2.MetricSpec, statuses []autoscalingv2.MetricStatus) string {
	if len(specs) == 0 {
		return none
	}
	list := make([]string, 0, len(specs))
	for i, spec := range specs {
		var status *autoscalingv2.MetricStatus
		if i < len(statuses) {
			status = &statuses[i]
		}
		list = append(list, hpaTarget(spec, status))
	}
	if len(list) <= 2 {
		return strings.Join(list, ", ")
	}
	return fmt.Sprintf("%s + %d more...", strings.Join(list[:2], ", "), len(list)-2)
}

func hpaTarget(spec autoscalingv2.MetricSpec, status *autoscalingv2.MetricStatus) string {
	switch spec.Type {
	case autoscalingv2.ResourceMetricSourceType:
		var cur *autoscalingv2.MetricValueStatus
		if status != nil && status.Resource != nil {
			cur = &status.Resource.Current
		}
		return string(spec.Resource.Name) + ": " + metricValue(spec.Resource.Target, cur, "")
	case autoscalingv2.ContainerResourceMetricSourceType:
		var cur *autoscalingv2.MetricValueStatus
		if status != nil && status.ContainerResource != nil {
			cur = &status.ContainerResource.Current
		}
		return string(spec.ContainerResource.Name) + "/" + spec.ContainerResource.Container + ": " + metricValue(spec.ContainerResource.Target, cur, "")
	case autoscalingv2.PodsMetricSourceType:
		var cur *autoscalingv2.MetricValueStatus
		if status != nil && status.Pods != nil {
			cur = &status.Pods.Current
		}
		return metricValue(spec.Pods.Target, cur, "")
	case autoscalingv2.ObjectMetricSourceType:
		var cur *autoscalingv2.MetricValueStatus
		if status != nil && status.Object != nil {
			cur = &status.Object.Current
		}
		return metricValue(spec.Object.Target, cur, " (avg)")
	case autoscalingv2.ExternalMetricSourceType:
		var cur *autoscalingv2.MetricValueStatus
		if status != nil && status.External != nil {
			cur = &status.External.Current
		}
		return metricValue(spec.External.Target, cur, " (avg)")
	}
	return "<unknown type>"
}

// metricValue prints current/target for the kind of target set:
// utilization as a percentage, an average value followed by avg (" (avg)"
// for object and external metrics), or a plain value.
func metricValue(target autoscalingv2.MetricTarget, cur *autoscalingv2.MetricValueStatus, avg string) string {
	current := unknown
	switch {
	case target.AverageUtilization != nil || target.Type == autoscalingv2.UtilizationMetricType:
		if cur != nil && cur.AverageUtilization != nil {
			current = fmt.Sprintf("%d%%", *cur.AverageUtilization)
		}
		want := "<auto>"
		if target.AverageUtilization != nil {
			want = fmt.Sprintf("%d%%", *target.AverageUtilization)
		}
		return current + "/" + want
	case target.AverageValue != nil:
		if cur != nil && cur.AverageValue != nil {
			current = cur.AverageValue.String()
		}
		return current + "/" + target.AverageValue.String() + avg
	case target.Value != nil:
		if cur != nil && cur.Value != nil {
			current = cur.Value.String()
		}
		return current + "/" + target.Value.String()
	}
	return current + "/" + unknown
}
