package printers

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

var now = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

func om(name string, created time.Duration) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default", CreationTimestamp: ago(created),
		Labels: map[string]string{"app": name}, ResourceVersion: "42"}
}

func TestEveryPrinterRowMatchesColumns(t *testing.T) {
	registerAll()
	for typ, p := range printers {
		obj := reflect.New(typ.Elem()).Interface().(runtime.Object)
		row := p.row(obj, now)
		if len(row.Cells) != len(p.columns) {
			t.Errorf("%v: %d cells for %d columns", typ, len(row.Cells), len(p.columns))
		}
		for i, c := range p.columns {
			if c.Name == "" || c.Type == "" {
				t.Errorf("%v column %d: name %q type %q", typ, i, c.Name, c.Type)
			}
		}
	}
	if len(printers) < 30 {
		t.Errorf("only %d printers registered", len(printers))
	}
}

func TestListAndMetadata(t *testing.T) {
	list := &corev1.ConfigMapList{ListMeta: metav1.ListMeta{ResourceVersion: "7", Continue: "next"}, Items: []corev1.ConfigMap{
		{ObjectMeta: om("a", time.Hour), Data: map[string]string{"k": "v"}},
		{ObjectMeta: om("b", 2*time.Hour)},
	}}
	table, err := Table(list, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if table.Kind != "Table" || table.APIVersion != "meta.k8s.io/v1" || table.ResourceVersion != "7" || table.Continue != "next" {
		t.Errorf("table meta = %+v %+v", table.TypeMeta, table.ListMeta)
	}
	if len(table.Rows) != 2 || table.Rows[1].Cells[0] != "b" || table.Rows[0].Cells[1] != int64(1) {
		t.Fatalf("rows = %+v", table.Rows)
	}
	var pom metav1.PartialObjectMetadata
	if err := json.Unmarshal(table.Rows[0].Object.Raw, &pom); err != nil {
		t.Fatal(err)
	}
	if pom.Kind != "PartialObjectMetadata" || pom.APIVersion != "meta.k8s.io/v1" || pom.Namespace != "default" || pom.Labels["app"] != "a" {
		t.Errorf("embedded metadata = %+v", pom)
	}
	data, err := json.Marshal(table)
	if err != nil || !strings.Contains(string(data), `"object":{"kind":"PartialObjectMetadata"`) {
		t.Errorf("table JSON lacks embedded metadata: %v %.300s", err, data)
	}
}

func TestIncludeObject(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: om("p", time.Minute)}
	table, err := Table(pod, Options{Now: now, IncludeObject: metav1.IncludeObject})
	if err != nil {
		t.Fatal(err)
	}
	var got corev1.Pod
	if err := json.Unmarshal(table.Rows[0].Object.Raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.Kind != "Pod" || got.APIVersion != "v1" || got.Name != "p" {
		t.Errorf("embedded object = %+v", got.TypeMeta)
	}
	if pod.Kind != "" {
		t.Error("Table changed the caller's object")
	}
	if table.ResourceVersion != "42" {
		t.Errorf("single object table resourceVersion = %q", table.ResourceVersion)
	}
	table, err = Table(pod, Options{Now: now, IncludeObject: metav1.IncludeNone, NoHeaders: true})
	if err != nil || table.Rows[0].Object.Raw != nil || table.ColumnDefinitions != nil {
		t.Errorf("None/NoHeaders: err %v object %s columns %d", err, table.Rows[0].Object.Raw, len(table.ColumnDefinitions))
	}
}

func TestEmptyListKeepsColumns(t *testing.T) {
	table, err := Table(&appsv1.DeploymentList{}, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(table.Rows) != 0 || len(table.ColumnDefinitions) != 8 || table.ColumnDefinitions[1].Name != "Ready" {
		t.Errorf("empty deployment list: %d rows, columns %+v", len(table.Rows), table.ColumnDefinitions)
	}
	data, _ := json.Marshal(table)
	if !strings.Contains(string(data), `"rows":[]`) {
		t.Errorf("empty rows must encode as [], got %.200s", data)
	}
}

func TestFallbackForUnknownKinds(t *testing.T) {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("example.com/v1")
	u.SetKind("Widget")
	u.SetName("w1")
	u.SetNamespace("ns")
	u.SetCreationTimestamp(ago(90 * time.Second))
	table, err := Table(u, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if names := columnNames(table); !reflect.DeepEqual(names, []string{"Name", "Age"}) {
		t.Errorf("columns = %v", names)
	}
	if !reflect.DeepEqual(table.Rows[0].Cells, []any{"w1", "90s"}) {
		t.Errorf("cells = %v", table.Rows[0].Cells)
	}
	var pom metav1.PartialObjectMetadata
	if err := json.Unmarshal(table.Rows[0].Object.Raw, &pom); err != nil || pom.Namespace != "ns" {
		t.Errorf("unstructured metadata = %+v, %v", pom, err)
	}
	mixed := &corev1.List{Items: []runtime.RawExtension{{Object: &corev1.Pod{ObjectMeta: om("p", 0)}}, {Object: &corev1.Secret{ObjectMeta: om("s", 0)}}}}
	table, err = Table(mixed, Options{Now: now})
	if err != nil || len(table.Rows) != 2 || len(table.ColumnDefinitions) != 2 {
		t.Errorf("mixed list: err %v rows %d columns %d", err, len(table.Rows), len(table.ColumnDefinitions))
	}
}

func TestInvalidRequests(t *testing.T) {
	if _, err := Table(nil, Options{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil object: %v", err)
	}
	if _, err := Table(&corev1.Pod{}, Options{IncludeObject: "Everything"}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "includeObject") {
		t.Errorf("bad includeObject: %v", err)
	}
}

func columnNames(t *metav1.Table) []string {
	var out []string
	for _, c := range t.ColumnDefinitions {
		out = append(out, c.Name)
	}
	return out
}
