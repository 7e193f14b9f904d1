package pod

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// unknownFields lists, with their paths, the fields of the JSON value v
// that the Go type t does not have (the strict decoder only names the
// field, not where it is).
func unknownFields(path string, v any, t reflect.Type, out *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return // quantities, times, int-or-string: their own syntax
	}
	switch val := v.(type) {
	case []any:
		if t.Kind() == reflect.Slice {
			for i, e := range val {
				unknownFields(fmt.Sprintf("%s[%d]", path, i), e, t.Elem(), out)
			}
		}
	case map[string]any:
		switch t.Kind() {
		case reflect.Map:
			for k, e := range val {
				unknownFields(path+"."+k, e, t.Elem(), out)
			}
		case reflect.Struct:
			fields := jsonFields(t)
			keys := make([]string, 0, len(val))
			for k := range val {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := strings.TrimPrefix(path+"."+k, ".")
				ft, ok := fields[k]
				if !ok {
					*out = append(*out, fmt.Sprintf("%s: unknown field", p))
					continue
				}
				unknownFields(p, val[k], ft, out)
			}
		}
	}
}

// jsonFields maps a struct's JSON names to field types, inlined structs
// included.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" && (f.Anonymous || strings.Contains(opts, "inline")) {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
