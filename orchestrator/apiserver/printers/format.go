package printers

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

const (
	none    = "<none>"
	unset   = "<unset>"
	unknown = "<unknown>"
)

// Column helpers: the descriptions come from the API types' own
// documentation where a column shows one field.
var (
	objectMetaDoc = metav1.ObjectMeta{}.SwaggerDoc()
	nameColumn    = metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: objectMetaDoc["name"]}
	ageColumn     = metav1.TableColumnDefinition{Name: "Age", Type: "string", Description: objectMetaDoc["creationTimestamp"]}
	createdColumn = metav1.TableColumnDefinition{Name: "Created At", Type: "date", Description: objectMetaDoc["creationTimestamp"]}
)

// col is a column shown by default; wide is one shown with -o wide.
func col(name, typ, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Description: description}
}

func wide(name, typ, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Description: description, Priority: 1}
}

// workloadWide are the -o wide columns of the pod-template controllers.
func workloadWide(selectorDoc string) []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		wide("Containers", "string", "Names of each container in the template."),
		wide("Images", "string", "Images referenced by each container in the template."),
		wide("Selector", "string", selectorDoc),
	}
}

// age is how long ago ts was, as kubectl prints it ("5m", "3d2h").
func age(ts metav1.Time, now time.Time) string {
	if ts.IsZero() {
		return unknown
	}
	return duration.HumanDuration(now.Sub(ts.Time))
}

func microAge(ts metav1.MicroTime, now time.Time) string {
	if ts.IsZero() {
		return unknown
	}
	return duration.HumanDuration(now.Sub(ts.Time))
}

// containersAndImages joins the container names and images of a pod spec.
func containersAndImages(spec corev1.PodSpec) (string, string) {
	names := make([]string, 0, len(spec.Containers))
	images := make([]string, 0, len(spec.Containers))
	for _, c := range spec.Containers {
		names, images = append(names, c.Name), append(images, c.Image)
	}
	return strings.Join(names, ","), strings.Join(images, ",")
}

// selector formats a label selector; nil and empty select everything.
func selector(s *metav1.LabelSelector) string {
	return metav1.FormatLabelSelector(s)
}

// orNone is s, or <none> when s is empty.
func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}

// int32Or is *p formatted, or alt when p is nil.
func int32Or(p *int32, alt string) string {
	if p == nil {
		return alt
	}
	return fmt.Sprint(*p)
}

// boolPtr prints True, False or <unset>.
func boolPtr(p *bool) string {
	switch {
	case p == nil:
		return unset
	case *p:
		return "True"
	}
	return "False"
}

// moreList joins the first max of items and says how many were left out.
func moreList(items []string, max int, empty string) string {
	if len(items) == 0 {
		return empty
	}
	if len(items) <= max {
		return strings.Join(items, ",")
	}
	return fmt.Sprintf("%s + %d more...", strings.Join(items[:max], ","), len(items)-max)
}
