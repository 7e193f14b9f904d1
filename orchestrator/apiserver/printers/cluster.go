package printers

import (
	"fmt"
	"slices"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func registerCluster() {
	register(columns(nameColumn,
		col("Status", "string", "The status of the namespace"),
		ageColumn), namespaceCells)

	info := corev1.NodeSystemInfo{}.SwaggerDoc()
	register(columns(nameColumn,
		col("Status", "string", "The status of the node"),
		col("Roles", "string", "The roles of the node"),
		ageColumn,
		col("Version", "string", info["kubeletVersion"]),
		wide("Internal-IP", "string", corev1.NodeStatus{}.SwaggerDoc()["addresses"]),
		wide("External-IP", "string", corev1.NodeStatus{}.SwaggerDoc()["addresses"]),
		wide("OS-Image", "string", info["osImage"]),
		wide("Kernel-Version", "string", info["kernelVersion"]),
		wide("Container-Runtime", "string", info["containerRuntimeVersion"]),
	), nodeCells)

	register(eventColumns(), eventCells)

	register(columns(nameColumn,
		col("Holder", "string", coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"]),
		ageColumn), leaseCells)

	pc := schedulingv1.PriorityClass{}.SwaggerDoc()
	register(columns(nameColumn,
		col("Value", "integer", pc["value"]),
		col("Global-Default", "boolean", pc["globalDefault"]),
		col("Preemption-Policy", "string", pc["preemptionPolicy"]),
		ageColumn), priorityClassCells)
}

// eventColumns are the columns of core and events.k8s.io events.
func eventColumns() []metav1.TableColumnDefinition {
	ev := corev1.Event{}.SwaggerDoc()
	return columns(
		col("Last Seen", "string", ev["lastTimestamp"]),
		col("Type", "string", ev["type"]),
		col("Reason", "string", ev["reason"]),
		col("Object", "string", ev["involvedObject"]),
		wide("Subobject", "string", corev1.ObjectReference{}.SwaggerDoc()["fieldPath"]),
		wide("Source", "string", ev["source"]),
		col("Message", "string", ev["message"]),
		wide("First Seen", "string", ev["firstTimestamp"]),
		wide("Count", "integer", ev["count"]),
		metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Priority: 1, Description: objectMetaDoc["name"]},
	)
}

func namespaceCells(ns *corev1.Namespace, now time.Time) []any {
	return []any{ns.Name, string(ns.Status.Phase), age(ns.CreationTimestamp, now)}
}

func nodeCells(n *corev1.Node, now time.Time) []any {
	info := n.Status.NodeInfo
	return []any{n.Name, nodeStatus(n), orNone(strings.Join(nodeRoles(n), ",")), age(n.CreationTimestamp, now),
		info.KubeletVersion, nodeAddress(n, corev1.NodeInternalIP), nodeAddress(n, corev1.NodeExternalIP),
		orUnknown(info.OSImage), orUnknown(info.KernelVersion), orUnknown(info.ContainerRuntimeVersion)}
}

// nodeStatus is Ready, NotReady or Unknown, plus SchedulingDisabled for a
// cordoned node.
func nodeStatus(n *corev1.Node) string {
	status := []string{"Unknown"}
	for _, c := range n.Status.Conditions {
		if c.Type != corev1.NodeReady {
			continue
		}
		status[0] = "NotReady"
		if c.Status == corev1.ConditionTrue {
			status[0] = "Ready"
		}
	}
	if n.Spec.Unschedulable {
		status = append(status, "SchedulingDisabled")
	}
	return strings.Join(status, ",")
}

// nodeRoles reads node-role.kubernetes.io/<role> labels and the older
// kubernetes.io/role=<role> label.
func nodeRoles(n *corev1.Node) []string {
	var roles []string
	for k, v := range n.Labels {
		switch {
		case strings.HasPrefix(k, "node-role.kubernetes.io/"):
			if role := strings.TrimPrefix(k, "node-role.kubernetes.io/"); role != "" {
				roles = append(roles, role)
			}
		case k == "kubernetes.io/role" && v != "":
			roles = append(roles, v)
		}
	}
	slices.Sort(roles)
	return slices.Compact(roles)
}

func nodeAddress(n *corev1.Node, typ corev1.NodeAddressType) string {
	for _, a := range n.Status.Addresses {
		if a.Type == typ {
			return a.Address
		}
	}
	return none
}

func orUnknown(s string) string {
	if s == "" {
		return unknown
	}
	return s
}

func eventCells(e *corev1.Event, now time.Time) []any {
	first := age(e.FirstTimestamp, now)
	if e.FirstTimestamp.IsZero() {
		first = microAge(e.EventTime, now)
	}
	last := age(e.LastTimestamp, now)
	if e.LastTimestamp.IsZero() {
		last = first
	}
	count := e.Count
	if e.Series != nil {
		last, count = microAge(e.Series.LastObservedTime, now), e.Series.Count
	} else if count == 0 {
		count = 1 // events.k8s.io singletons carry no count
	}
	target := strings.ToLower(e.InvolvedObject.Kind)
	if e.InvolvedObject.Name != "" {
		target += "/" + e.InvolvedObject.Name
	}
	return []any{last, e.Type, e.Reason, target, e.InvolvedObject.FieldPath, eventSource(e),
		strings.TrimSpace(e.Message), first, int64(count), e.Name}
}

// eventSource is "component, host", from the legacy source or the
// reporting controller.
func eventSource(e *corev1.Event) string {
	component, host := e.Source.Component, e.Source.Host
	if component == "" {
		component, host = e.ReportingController, e.ReportingInstance
	}
	if host == "" {
		return component
	}
	return fmt.Sprintf("%s, %s", component, host)
}

func leaseCells(l *coordinationv1.Lease, now time.Time) []any {
	holder := ""
	if l.Spec.HolderIdentity != nil {
		holder = *l.Spec.HolderIdentity
	}
	return []any{l.Name, holder, age(l.CreationTimestamp, now)}
}

func priorityClassCells(pc *schedulingv1.PriorityClass, now time.Time) []any {
	policy := unset
	if pc.PreemptionPolicy != nil {
		policy = string(*pc.PreemptionPolicy)
	}
	return []any{pc.Name, int64(pc.Value), pc.GlobalDefault, policy, age(pc.CreationTimestamp, now)}
}

// fallback prints any other kind (custom resources included) by name and age.
var fallback = printer{
	columns: columns(nameColumn, ageColumn),
	row: func(obj runtime.Object, now time.Time) metav1.TableRow {
		name, created := "", metav1.Time{}
		if m, err := meta.Accessor(obj); err == nil {
			name, created = m.GetName(), m.GetCreationTimestamp()
		}
		return metav1.TableRow{Cells: []any{name, age(created, now)}}
	},
}
