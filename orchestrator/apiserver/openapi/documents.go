package openapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Config describes the API to document.
type Config struct {
	// Groups lists every served group version and its resources.
	Groups []GroupVersionResources
	// Title and Version fill the info object ("Kubernetes", "v1.37.2").
	Title, Version string
	// ServerFieldValidation advertises the fieldValidation query parameter
	// on create, update and patch. kubectl then leaves schema validation
	// to the server; without it kubectl validates manifests itself
	// (kubectl create/apply --validate=strict) against /openapi/v2.
	ServerFieldValidation bool
}

type info struct {
	Title   string `json:"title"`
	Version string `json:"version"`
}

// api is the neutral form of the whole API: definitions and, per group
// version, its paths.
type api struct {
	info  info
	defs  map[string]*Schema
	paths map[string]paths // group version key -> paths
	order []string         // group version keys in input order
}

func buildAPI(cfg Config) (*api, error) {
	if err := validate(cfg.Groups); err != nil {
		return nil, err
	}
	a := &api{info: info{Title: cfg.Title, Version: cfg.Version}, paths: map[string]paths{}}
	if a.info.Title == "" {
		a.info.Title = "Kubernetes"
	}
	if a.info.Version == "" {
		a.info.Version = "unversioned"
	}
	g := newGenerator()
	for _, gv := range cfg.Groups {
		b := &pathBuilder{g: g, gv: gv, fieldValidation: cfg.ServerFieldValidation, paths: paths{}}
		b.build()
		a.paths[gv.key()] = b.paths
		a.order = append(a.order, gv.key())
	}
	a.defs = g.defs
	return a, nil
}

// ---- OpenAPI v2 (swagger 2.0) ----

type swaggerV2 struct {
	Swagger     string                            `json:"swagger"`
	Info        info                              `json:"info"`
	Paths       map[string]map[string]v2Operation `json:"paths"`
	Definitions map[string]*Schema                `json:"definitions"`
}

type v2Operation struct {
	Description string                `json:"description,omitempty"`
	Consumes    []string              `json:"consumes,omitempty"`
	Produces    []string              `json:"produces,omitempty"`
	Schemes     []string              `json:"schemes,omitempty"`
	Tags        []string              `json:"tags,omitempty"`
	OperationID string                `json:"operationId"`
	Parameters  []v2Param             `json:"parameters,omitempty"`
	Responses   map[string]v2Response `json:"responses"`
	Action      string                `json:"x-kubernetes-action"`
	GVK         GVK                   `json:"x-kubernetes-group-version-kind"`
}

type v2Param struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required,omitempty"`
	Type        string  `json:"type,omitempty"`
	UniqueItems bool    `json:"uniqueItems,omitempty"`
	Schema      *Schema `json:"schema,omitempty"`
}

type v2Response struct {
	Description string  `json:"description"`
	Schema      *Schema `json:"schema,omitempty"`
}

var (
	produces     = []string{"application/json", "application/yaml", "application/vnd.kubernetes.protobuf"}
	patchTypes   = []string{"application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"}
	consumesBody = []string{"*/*"}
)

func (a *api) v2() swaggerV2 {
	doc := swaggerV2{Swagger: "2.0", Info: a.info, Paths: map[string]map[string]v2Operation{}, Definitions: map[string]*Schema{}}
	for name, def := range a.defs {
		doc.Definitions[name] = renderV2(def)
	}
	for _, key := range a.order {
		for path, methods := range a.paths[key] {
			doc.Paths[path] = map[string]v2Operation{}
			for method, op := range methods {
				doc.Paths[path][method] = op.v2()
			}
		}
	}
	return doc
}

func (op *operation) v2() v2Operation {
	out := v2Operation{Description: op.desc, Produces: produces, Schemes: []string{"https"}, Tags: []string{op.tag},
		OperationID: op.id, Action: op.action, GVK: op.gvk, Responses: map[string]v2Response{
			"200": {Description: "OK", Schema: &Schema{Ref: refPrefixV2 + op.response}},
			"401": {Description: "Unauthorized"},
		}}
	if op.created {
		out.Responses["201"] = v2Response{Description: "Created", Schema: &Schema{Ref: refPrefixV2 + op.response}}
	}
	for _, p := range op.params {
		out.Parameters = append(out.Parameters, v2Param{Name: p.name, In: p.in, Description: p.desc,
			Required: p.required, Type: p.typ, UniqueItems: p.in == "query"})
	}
	if op.body != "" {
		out.Consumes = consumesBody
		if op.patch {
			out.Consumes = patchTypes
		}
		out.Parameters = append(out.Parameters, v2Param{Name: "body", In: "body", Required: op.action != "delete" && op.action != "deletecollection",
			Schema: &Schema{Ref: refPrefixV2 + op.body}})
	}
	return out
}

// ---- OpenAPI v3, one document per group version ----

type openAPIV3 struct {
	OpenAPI    string                            `json:"openapi"`
	Info       info                              `json:"info"`
	Paths      map[string]map[string]v3Operation `json:"paths"`
	Components struct {
		Schemas map[string]*Schema `json:"schemas"`
	} `json:"components"`
}

type v3Operation struct {
	Description string                `json:"description,omitempty"`
	Tags        []string              `json:"tags,omitempty"`
	OperationID string                `json:"operationId"`
	Parameters  []v3Param             `json:"parameters,omitempty"`
	RequestBody *v3Body               `json:"requestBody,omitempty"`
	Responses   map[string]v3Response `json:"responses"`
	Action      string                `json:"x-kubernetes-action"`
	GVK         GVK                   `json:"x-kubernetes-group-version-kind"`
}

type v3Param struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required,omitempty"`
	Schema      *Schema `json:"schema"`
}

type v3Body struct {
	Content  map[string]mediaType `json:"content"`
	Required bool                 `json:"required,omitempty"`
}

type mediaType struct {
	Schema *Schema `json:"schema"`
}

type v3Response struct {
	Description string               `json:"description"`
	Content     map[string]mediaType `json:"content,omitempty"`
}

func (a *api) v3(key string) openAPIV3 {
	doc := openAPIV3{OpenAPI: "3.0.0", Info: a.info, Paths: map[string]map[string]v3Operation{}}
	var roots []string
	for path, methods := range a.paths[key] {
		doc.Paths[path] = map[string]v3Operation{}
		for method, op := range methods {
			doc.Paths[path][method] = op.v3()
			roots = append(roots, op.response)
			if op.body != "" {
				roots = append(roots, op.body)
			}
		}
	}
	doc.Components.Schemas = map[string]*Schema{}
	for name := range closure(a.defs, roots) {
		doc.Components.Schemas[name] = renderV3(a.defs[name])
	}
	return doc
}

func content(types []string, ref string) map[string]mediaType {
	out := map[string]mediaType{}
	for _, t := range types {
		out[t] = mediaType{Schema: &Schema{Ref: refPrefixV3 + ref}}
	}
	return out
}

func (op *operation) v3() v3Operation {
	out := v3Operation{Description: op.desc, Tags: []string{op.tag}, OperationID: op.id, Action: op.action, GVK: op.gvk,
		Responses: map[string]v3Response{
			"200": {Description: "OK", Content: content(produces, op.response)},
			"401": {Description: "Unauthorized"},
		}}
	if op.created {
		out.Responses["201"] = v3Response{Description: "Created", Content: content(produces, op.response)}
	}
	for _, p := range op.params {
		out.Parameters = append(out.Parameters, v3Param{Name: p.name, In: p.in, Description: p.desc,
			Required: p.required, Schema: &Schema{Type: p.typ}})
	}
	if op.body != "" {
		types := consumesBody
		if op.patch {
			types = patchTypes
		}
		out.RequestBody = &v3Body{Content: content(types, op.body), Required: op.action != "delete" && op.action != "deletecollection"}
	}
	return out
}

// documents are the marshalled documents served by the handler.
type documents struct {
	v2 []byte
	v3 map[string][]byte // group version key -> document
}

// build generates the OpenAPI v2 document and the v3 document of every
// group version of cfg, as JSON.
func build(cfg Config) (*documents, error) {
	a, err := buildAPI(cfg)
	if err != nil {
		return nil, err
	}
	docs := &documents{v3: map[string][]byte{}}
	if docs.v2, err = json.Marshal(a.v2()); err != nil {
		return nil, fmt.Errorf("marshal openapi v2: %w", err)
	}
	for _, key := range slices.Sorted(maps.Keys(a.paths)) {
		if docs.v3[key], err = json.Marshal(a.v3(key)); err != nil {
			return nil, fmt.Errorf("marshal openapi v3 %s: %w", key, err)
		}
	}
	return docs, nil
}
