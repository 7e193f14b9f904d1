package apiserver

import (
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
)

// table prints obj (an object or a list) as a metav1.Table, through the
// configured printer or, without one, as NAME and AGE. noHeaders leaves
// the column definitions out (every watch event after the first).
func (s *Server) table(r *http.Request, res *resource, obj runtime.Object, noHeaders bool) (*metav1.Table, error) {
	opts := metav1.TableOptions{NoHeaders: noHeaders, IncludeObject: metav1.IncludeMetadata}
	switch r.URL.Query().Get("includeObject") {
	case "Object":
		opts.IncludeObject = metav1.IncludeObject
	case "None":
		opts.IncludeObject = metav1.IncludeNone
	}
	var t *metav1.Table
	var err error
	if s.cfg.Tables != nil {
		t, err = s.cfg.Tables.PrintTable(obj, opts)
	} else if t, err = nameAgeTable(obj); err == nil {
		err = fillRowObjects(t, obj, opts.IncludeObject)
	}
	if err != nil {
		return nil, err
	}
	if noHeaders {
		t.ColumnDefinitions = nil
	}
	if lm, err := meta.ListAccessor(obj); err == nil {
		t.ResourceVersion, t.Continue, t.RemainingItemCount = lm.GetResourceVersion(), lm.GetContinue(), lm.GetRemainingItemCount()
	} else {
		t.ResourceVersion = metaOf(obj).GetResourceVersion()
	}
	t.SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind("Table"))
	return t, nil
}

// items returns the objects of a list, or obj itself.
func items(obj runtime.Object) []runtime.Object {
	if meta.IsListType(obj) {
		out, _ := meta.ExtractList(obj)
		return out
	}
	return []runtime.Object{obj}
}

// fillRowObjects sets each row's object as includeObject asks: the full
// object, only its metadata (kubectl needs it for --show-labels and
// sorting) or nothing.
func fillRowObjects(t *metav1.Table, obj runtime.Object, mode metav1.IncludeObjectPolicy) error {
	objs := items(obj)
	for i := range t.Rows {
		if i >= len(objs) {
			break
		}
		switch mode {
		case metav1.IncludeNone:
			t.Rows[i].Object = runtime.RawExtension{}
		case metav1.IncludeObject:
			t.Rows[i].Object = runtime.RawExtension{Object: objs[i]}
		default:
			p, err := partialMetadata(objs[i])
			if err != nil {
				return err
			}
			t.Rows[i].Object = runtime.RawExtension{Object: p}
		}
	}
	return nil
}

// nameAgeTable is the table every kind gets when no printer is set.
func nameAgeTable(obj runtime.Object) (*metav1.Table, error) {
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: "Name of the object"},
		{Name: "Age", Type: "string", Description: "Time since creation"},
	}}
	for _, o := range items(obj) {
		m := metaOf(o)
		t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{m.GetName(), age(m.GetCreationTimestamp())}})
	}
	return t, nil
}

func age(ts metav1.Time) string {
	if ts.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(ts.Time))
}
