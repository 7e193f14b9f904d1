package openapi

import (
	"reflect"
	"strings"
)

// Schema is one JSON schema node in a neutral form: Ref holds a bare
// definition name ("io.k8s.api.core.v1.Pod"); render turns it into an
// OpenAPI v2 or v3 schema (ref prefix, allOf wrapping, oneOf types).
type Schema struct {
	Ref                  string             `json:"$ref,omitempty"`
	AllOf                []*Schema          `json:"allOf,omitempty"`
	OneOf                []*Schema          `json:"oneOf,omitempty"`
	Description          string             `json:"description,omitempty"`
	Type                 string             `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	AdditionalProperties *Schema            `json:"additionalProperties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	Default              any                `json:"default,omitempty"`
	Enum                 []string           `json:"enum,omitempty"`
	PatchStrategy        string             `json:"x-kubernetes-patch-strategy,omitempty"`
	PatchMergeKey        string             `json:"x-kubernetes-patch-merge-key,omitempty"`
	ListType             string             `json:"x-kubernetes-list-type,omitempty"`
	ListMapKeys          []string           `json:"x-kubernetes-list-map-keys,omitempty"`
	MapType              string             `json:"x-kubernetes-map-type,omitempty"`
	GVK                  []GVK              `json:"x-kubernetes-group-version-kind,omitempty"`

	// v3OneOf lists the alternative primitive types OpenAPI v3 gets for
	// int-or-string style definitions (Quantity, IntOrString).
	v3OneOf []string
}

// GVK is the value of the x-kubernetes-group-version-kind extension.
type GVK struct {
	Group   string `json:"group"`
	Kind    string `json:"kind"`
	Version string `json:"version"`
}

// The interfaces Kubernetes API types implement to describe themselves.
type (
	swaggerDocer interface{ SwaggerDoc() map[string]string }
	modelNamer   interface{ OpenAPIModelName() string }
	schemaTyper  interface{ OpenAPISchemaType() []string }
	schemaFormat interface{ OpenAPISchemaFormat() string }
	v3OneOfTyper interface{ OpenAPIV3OneOfTypes() []string }
)

// primitiveDocs describes the definitions whose Go types carry no
// SwaggerDoc because they marshal to a JSON primitive.
var primitiveDocs = map[string]string{
	"io.k8s.apimachinery.pkg.api.resource.Quantity": "Quantity is a fixed-point number written as a string with an optional " +
		"suffix: binary SI (Ki, Mi, Gi, Ti, Pi, Ei), decimal SI (m, \"\", k, M, G, T, P, E) or a decimal exponent (e, E). " +
		"Examples: 100m, 1.5, 128Mi, 1e3.",
	"io.k8s.apimachinery.pkg.util.intstr.IntOrString": "IntOrString is a value that can hold an int32 or a string. " +
		"A port may be given by number (8080) or by name (http); a percentage is a string (\"25%\").",
	"io.k8s.apimachinery.pkg.apis.meta.v1.Time": "Time is a timestamp in RFC 3339 form with second precision, " +
		"for example 2006-01-02T15:04:05Z.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "MicroTime is a timestamp in RFC 3339 form with microsecond precision.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.Duration":  "Duration is a Go duration string such as 300ms, 1.5h or 2h45m.",
	"io.k8s.apimachinery.pkg.runtime.RawExtension":   "RawExtension holds an embedded object of any kind, as JSON.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": "FieldsV1 stores a set of fields in a trie-shaped JSON object; " +
		"managedFields use it to record which manager owns which field.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.Patch": "Patch names the body of a PATCH request: a JSON patch, " +
		"a merge patch, a strategic merge patch or an apply configuration.",
}

// generator turns Go types into named definitions by reflection.
type generator struct {
	defs  map[string]*Schema
	names map[reflect.Type]string
}

func newGenerator() *generator {
	return &generator{defs: map[string]*Schema{}, names: map[reflect.Type]string{}}
}

// ref returns the definition name of the named type t, generating the
// definition (and those it refers to) on first use.
func (g *generator) ref(t reflect.Type) string {
	if name, ok := g.names[t]; ok {
		return name
	}
	name := modelName(t)
	g.names[t] = name
	def := &Schema{}
	g.defs[name] = def // placeholder first: types may refer to themselves
	*def = *g.definition(t, name)
	return name
}

// definition builds the schema of a named type.
func (g *generator) definition(t reflect.Type, name string) *Schema {
	zero := reflect.New(t).Interface()
	if typer, ok := zero.(schemaTyper); ok {
		s := &Schema{Type: strings.Join(typer.OpenAPISchemaType(), ","), Description: primitiveDocs[name]}
		if f, ok := zero.(schemaFormat); ok {
			s.Format = f.OpenAPISchemaFormat()
		}
		if o, ok := zero.(v3OneOfTyper); ok {
			s.v3OneOf = o.OpenAPIV3OneOfTypes()
		}
		return s
	}
	if t.Kind() != reflect.Struct {
		s := g.inline(t)
		s.Description = typeDoc(zero)
		return s
	}
	s := &Schema{Type: "object", Description: typeDoc(zero), Properties: map[string]*Schema{}, MapType: structMapTypes[name]}
	g.addFields(s, t)
	if len(s.Properties) == 0 {
		s.Properties = nil
		if s.Description == "" {
			s.Description = primitiveDocs[name]
		}
	}
	return s
}

func typeDoc(zero any) string {
	if d, ok := zero.(swaggerDocer); ok {
		return d.SwaggerDoc()[""]
	}
	return ""
}

// field is what a struct field's tags say.
type field struct {
	name      string
	omitEmpty bool
	inline    bool
}

func parseJSONTag(f reflect.StructField) field {
	tag := f.Tag.Get("json")
	parts := strings.Split(tag, ",")
	out := field{name: parts[0]}
	for _, opt := range parts[1:] {
		switch opt {
		case "omitempty", "omitzero":
			out.omitEmpty = true
		case "inline":
			out.inline = true
		}
	}
	if f.Anonymous && out.name == "" {
		out.inline = true
	}
	if out.name == "" {
		out.name = f.Name
	}
	return out
}

// addFields adds the JSON-visible fields of struct t to s, flattening
// inline (embedded) structs the way encoding/json does.
func (g *generator) addFields(s *Schema, t reflect.Type) {
	docs := map[string]string{}
	if d, ok := reflect.New(t).Interface().(swaggerDocer); ok {
		docs = d.SwaggerDoc()
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Tag.Get("json") == "-" {
			continue
		}
		tag := parseJSONTag(f)
		if tag.inline {
			if ft := deref(f.Type); ft.Kind() == reflect.Struct {
				g.addFields(s, ft)
				continue
			}
		}
		fs := g.fieldSchema(f.Type)
		fs.Description = docs[tag.name]
		addPatchTags(fs, t, f, tag.name)
		if required(t, tag) {
			s.Required = append(s.Required, tag.name)
		}
		s.Properties[tag.name] = fs
	}
}

// required applies the rule of the Kubernetes OpenAPI generator: a
// +required or +optional comment marker decides (zz_generated.comments.go
// records them), otherwise a field without omitempty is required.
func required(t reflect.Type, tag field) bool {
	if r, ok := requiredOverrides[modelName(t)+"."+tag.name]; ok {
		return r
	}
	return !tag.omitEmpty
}

// fieldMarkers are the list and map markers of one field.
type fieldMarkers struct {
	listType    string
	listMapKeys []string
	mapType     string
}

// addPatchTags copies the strategic-merge-patch tags of a field and its
// list and map markers (how server-side apply merges it).
func addPatchTags(fs *Schema, owner reflect.Type, f reflect.StructField, name string) {
	fs.PatchStrategy = f.Tag.Get("patchStrategy")
	fs.PatchMergeKey = f.Tag.Get("patchMergeKey")
	if m, ok := fieldMarkersOf[modelName(owner)+"."+name]; ok {
		fs.ListType, fs.ListMapKeys, fs.MapType = m.listType, m.listMapKeys, m.mapType
	}
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// fieldSchema is the schema of a value of type t where it is used: a
// reference for named structs and self-describing types, inline otherwise.
func (g *generator) fieldSchema(t reflect.Type) *Schema {
	pointer := t.Kind() == reflect.Pointer
	t = deref(t)
	if named(t) {
		s := &Schema{Ref: g.ref(t)}
		if t.Kind() == reflect.Struct && !pointer && g.defs[s.Ref].Type == "object" {
			s.Default = map[string]any{}
		}
		return s
	}
	return g.inline(t)
}

// named reports whether t gets its own definition.
func named(t reflect.Type) bool {
	if t.Name() == "" || t.PkgPath() == "" {
		return false
	}
	if _, ok := reflect.New(t).Interface().(schemaTyper); ok {
		return true
	}
	return t.Kind() == reflect.Struct
}

// inline is the schema of an unnamed (or primitive-named) type.
func (g *generator) inline(t reflect.Type) *Schema {
	switch t.Kind() {
	case reflect.String:
		return &Schema{Type: "string", Enum: enumValues[t.PkgPath()+"."+t.Name()]}
	case reflect.Bool:
		return &Schema{Type: "boolean"}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16:
		return &Schema{Type: "integer", Format: "int32"}
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return &Schema{Type: "integer", Format: "int64"}
	case reflect.Float32:
		return &Schema{Type: "number", Format: "float"}
	case reflect.Float64:
		return &Schema{Type: "number", Format: "double"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &Schema{Type: "string", Format: "byte"}
		}
		return &Schema{Type: "array", Items: g.fieldSchema(t.Elem())}
	case reflect.Map:
		return &Schema{Type: "object", AdditionalProperties: g.fieldSchema(t.Elem())}
	case reflect.Struct:
		s := &Schema{Type: "object", Properties: map[string]*Schema{}}
		g.addFields(s, t)
		return s
	default: // interfaces: any JSON value
		return &Schema{Type: "object"}
	}
}

// modelName is the Kubernetes definition name of a Go type: the name
// the type reports, or its package path with the domain reversed
// (k8s.io/api/core/v1.Pod -> io.k8s.api.core.v1.Pod).
func modelName(t reflect.Type) string {
	if n, ok := reflect.New(t).Interface().(modelNamer); ok {
		if name := n.OpenAPIModelName(); name != "" {
			return name
		}
	}
	return nameFromPath(t.PkgPath(), t.Name())
}

// nameFromPath is the definition name of type typeName of package pkgPath.
func nameFromPath(pkgPath, typeName string) string {
	segments := strings.Split(pkgPath, "/")
	domain := strings.Split(segments[0], ".")
	for i, j := 0, len(domain)-1; i < j; i, j = i+1, j-1 {
		domain[i], domain[j] = domain[j], domain[i]
	}
	parts := append(domain, segments[1:]...)
	return strings.Join(append(parts, typeName), ".")
}
