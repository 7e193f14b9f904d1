package printers

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
)

func registerPolicy() {
	register(columns(nameColumn,
		col("Min Available", "string", "The minimum number of pods that must be available."),
		col("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
		col("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
		ageColumn), pdbCells)

	register(columns(nameColumn,
		col("Pod-Selector", "string", networkingv1.NetworkPolicySpec{}.SwaggerDoc()["podSelector"]),
		ageColumn), networkPolicyCells)

	// events.k8s.io events print like core events: same columns, same rules.
	register(eventColumns(), func(e *eventsv1.Event, now time.Time) []any { return eventCells(coreEvent(e), now) })
}

func pdbCells(pdb *policyv1.PodDisruptionBudget, now time.Time) []any {
	minAvailable, maxUnavailable := "N/A", "N/A"
	if pdb.Spec.MinAvailable != nil {
		minAvailable = pdb.Spec.MinAvailable.String()
	}
	if pdb.Spec.MaxUnavailable != nil {
		maxUnavailable = pdb.Spec.MaxUnavailable.String()
	}
	return []any{pdb.Name, minAvailable, maxUnavailable, int64(pdb.Status.DisruptionsAllowed), age(pdb.CreationTimestamp, now)}
}

func networkPolicyCells(np *networkingv1.NetworkPolicy, now time.Time) []any {
	return []any{np.Name, selector(&np.Spec.PodSelector), age(np.CreationTimestamp, now)}
}

// coreEvent maps the fields of an events.k8s.io event onto a core event.
func coreEvent(e *eventsv1.Event) *corev1.Event {
	out := &corev1.Event{ObjectMeta: e.ObjectMeta, InvolvedObject: e.Regarding, Reason: e.Reason, Message: e.Note,
		Type: e.Type, EventTime: e.EventTime, FirstTimestamp: e.DeprecatedFirstTimestamp, LastTimestamp: e.DeprecatedLastTimestamp,
		Count: e.DeprecatedCount, Source: e.DeprecatedSource, ReportingController: e.ReportingController,
		ReportingInstance: e.ReportingInstance}
	if e.Series != nil {
		out.Series = &corev1.EventSeries{Count: e.Series.Count, LastObservedTime: e.Series.LastObservedTime}
	}
	return out
}
