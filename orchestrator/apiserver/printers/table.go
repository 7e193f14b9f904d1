package printers

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Options control one Table.
type Options struct {
	// Now is the instant ages are measured from; zero means time.Now().
	Now time.Time
	// IncludeObject is the includeObject query parameter: None, Metadata
	// (the default, what kubectl asks for) or Object.
	IncludeObject metav1.IncludeObjectPolicy
	// NoHeaders leaves out the column definitions (watch events after
	// the first one carry rows only).
	NoHeaders bool
}

// printer renders one kind: its columns and, per object, one row.
type printer struct {
	columns []metav1.TableColumnDefinition
	row     func(obj runtime.Object, now time.Time) metav1.TableRow
}

// printers maps the Go type of an object (e.g. *corev1.Pod) to its printer.
// It is filled on first use, not at program start: every skiff command
// (and every container's init, which is skiff re-executed) would otherwise
// pay for building the column descriptions.
var (
	printers     = map[reflect.Type]printer{}
	registerOnce sync.Once
)

// registerAll fills printers, once.
func registerAll() {
	registerOnce.Do(func() {
		for _, r := range []func(){registerAutoscaling, registerCluster, registerConfig, registerNetwork,
			registerPods, registerPolicy, registerStorage, registerWorkloads} {
			r()
		}
	})
}

// register adds the printer of kind T whose row is cells alone.
func register[T runtime.Object](columns []metav1.TableColumnDefinition, cells func(T, time.Time) []any) {
	registerRow(columns, func(obj T, now time.Time) metav1.TableRow {
		return metav1.TableRow{Cells: cells(obj, now)}
	})
}

// registerRow adds the printer of kind T that builds whole rows.
func registerRow[T runtime.Object](columns []metav1.TableColumnDefinition, row func(T, time.Time) metav1.TableRow) {
	printers[reflect.TypeFor[T]()] = printer{columns: columns, row: func(obj runtime.Object, now time.Time) metav1.TableRow {
		return row(obj.(T), now)
	}}
}

// Table renders obj, a single object or a list, as the metav1.Table the
// API server returns for Accept: application/json;as=Table;g=meta.k8s.io;v=v1.
func Table(obj runtime.Object, opts Options) (*metav1.Table, error) {
	if obj == nil {
		return nil, fmt.Errorf("table: %w: object is nil", ErrInvalid)
	}
	include, err := includePolicy(opts.IncludeObject)
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	items, prototype, err := split(obj)
	if err != nil {
		return nil, err
	}
	p := printerFor(prototype, items)
	table := &metav1.Table{TypeMeta: metav1.TypeMeta{Kind: "Table", APIVersion: "meta.k8s.io/v1"}}
	if !opts.NoHeaders {
		table.ColumnDefinitions = p.columns
	}
	if err := copyListMeta(obj, &table.ListMeta); err != nil {
		return nil, err
	}
	table.Rows = make([]metav1.TableRow, 0, len(items))
	for i, item := range items {
		if _, err := meta.Accessor(item); err != nil {
			return nil, fmt.Errorf("table: item %d (%T): %w: no object metadata", i, item, ErrInvalid)
		}
		row := p.row(item, now)
		if row.Object, err = embed(item, include); err != nil {
			return nil, fmt.Errorf("table: item %d: %w", i, err)
		}
		table.Rows = append(table.Rows, row)
	}
	return table, nil
}

func includePolicy(p metav1.IncludeObjectPolicy) (metav1.IncludeObjectPolicy, error) {
	switch p {
	case "":
		return metav1.IncludeMetadata, nil
	case metav1.IncludeNone, metav1.IncludeMetadata, metav1.IncludeObject:
		return p, nil
	}
	return "", fmt.Errorf("table: includeObject %q: %w: allowed are None, Metadata and Object", p, ErrInvalid)
}

// split returns the objects to print and a prototype of their kind, which
// picks the columns even when a list is empty.
func split(obj runtime.Object) ([]runtime.Object, runtime.Object, error) {
	if !meta.IsListType(obj) {
		return []runtime.Object{obj}, obj, nil
	}
	items, err := meta.ExtractList(obj)
	if err != nil {
		return nil, nil, fmt.Errorf("table: extract items of %T: %w", obj, err)
	}
	return items, itemPrototype(obj), nil
}

// itemPrototype is a zero item of a typed list (Items []corev1.Pod ->
// *corev1.Pod), or nil when the list is not typed.
func itemPrototype(list runtime.Object) runtime.Object {
	v := reflect.ValueOf(list)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	field, ok := v.Elem().Type().FieldByName("Items")
	if !ok || field.Type.Kind() != reflect.Slice {
		return nil
	}
	elem := field.Type.Elem()
	if elem.Kind() != reflect.Struct {
		return nil
	}
	proto, _ := reflect.New(elem).Interface().(runtime.Object)
	return proto
}

// printerFor picks the printer of the prototype's kind; lists that mix
// kinds, and kinds without a printer, get the NAME AGE fallback.
func printerFor(prototype runtime.Object, items []runtime.Object) printer {
	if prototype == nil && len(items) > 0 {
		prototype = items[0]
	}
	if prototype == nil {
		return fallback
	}
	t := reflect.TypeOf(prototype)
	for _, item := range items {
		if reflect.TypeOf(item) != t {
			return fallback
		}
	}
	registerAll()
	if p, ok := printers[t]; ok {
		return p
	}
	return fallback
}

func copyListMeta(obj runtime.Object, out *metav1.ListMeta) error {
	if meta.IsListType(obj) {
		l, err := meta.ListAccessor(obj)
		if err != nil {
			return fmt.Errorf("table: list metadata of %T: %w", obj, err)
		}
		out.ResourceVersion, out.Continue, out.RemainingItemCount = l.GetResourceVersion(), l.GetContinue(), l.GetRemainingItemCount()
		return nil
	}
	if m, err := meta.Accessor(obj); err == nil {
		out.ResourceVersion = m.GetResourceVersion()
	}
	return nil
}

// embed is the object a row carries: nothing, its metadata as a
// PartialObjectMetadata (kubectl reads namespace and labels from it for
// -A and --show-labels) or the whole object with apiVersion and kind set.
func embed(obj runtime.Object, include metav1.IncludeObjectPolicy) (runtime.RawExtension, error) {
	var out runtime.Object
	switch include {
	case metav1.IncludeNone:
		return runtime.RawExtension{}, nil
	case metav1.IncludeMetadata:
		m, err := partialMetadata(obj)
		if err != nil {
			return runtime.RawExtension{}, err
		}
		out = m
	default:
		c := obj.DeepCopyObject()
		if c.GetObjectKind().GroupVersionKind().Empty() {
			if gvk, ok := kindOf(obj); ok {
				c.GetObjectKind().SetGroupVersionKind(gvk)
			}
		}
		out = c
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return runtime.RawExtension{}, fmt.Errorf("encode %T: %w", out, err)
	}
	return runtime.RawExtension{Raw: raw, Object: out}, nil
}

func partialMetadata(obj runtime.Object) (*metav1.PartialObjectMetadata, error) {
	m := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "meta.k8s.io/v1", Kind: "PartialObjectMetadata"}}
	if a, ok := obj.(metav1.ObjectMetaAccessor); ok {
		if om, ok := a.GetObjectMeta().(*metav1.ObjectMeta); ok {
			m.ObjectMeta = *om.DeepCopy()
			return m, nil
		}
	}
	// Unstructured and other objects: read metadata back from their JSON.
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", obj, err)
	}
	var tmp metav1.PartialObjectMetadata
	if err := json.Unmarshal(data, &tmp); err != nil {
		return nil, fmt.Errorf("read metadata of %T: %w", obj, err)
	}
	m.ObjectMeta = tmp.ObjectMeta
	return m, nil
}
