package openapi

// Versions of the OpenAPI documents differ in how a schema refers to a
// definition and in how int-or-string types are spelled.
const (
	refPrefixV2 = "#/definitions/"
	refPrefixV3 = "#/components/schemas/"
)

// renderV2 copies s for a swagger 2.0 document: refs become
// "#/definitions/NAME" and keep their sibling description.
func renderV2(s *Schema) *Schema {
	if s == nil {
		return nil
	}
	out := s.shallow()
	if s.Ref != "" {
		out.Ref = refPrefixV2 + s.Ref
	}
	out.Items = renderV2(s.Items)
	out.AdditionalProperties = renderV2(s.AdditionalProperties)
	out.Properties = renderMap(s.Properties, renderV2)
	return out
}

// renderV3 copies s for an OpenAPI 3.0 document. A $ref ignores its
// siblings in v3, so a ref with a description or default is wrapped in
// allOf, as the Kubernetes API server does; int-or-string types become oneOf.
func renderV3(s *Schema) *Schema {
	if s == nil {
		return nil
	}
	out := s.shallow()
	if s.Ref != "" {
		ref := &Schema{Ref: refPrefixV3 + s.Ref}
		if s.Description == "" && s.Default == nil {
			out.Ref = ref.Ref
		} else {
			out.Ref, out.AllOf = "", []*Schema{ref}
		}
	}
	if len(s.v3OneOf) > 0 {
		out.Type = ""
		for _, t := range s.v3OneOf {
			out.OneOf = append(out.OneOf, &Schema{Type: t})
		}
	}
	out.Items = renderV3(s.Items)
	out.AdditionalProperties = renderV3(s.AdditionalProperties)
	out.Properties = renderMap(s.Properties, renderV3)
	return out
}

func renderMap(in map[string]*Schema, render func(*Schema) *Schema) map[string]*Schema {
	if in == nil {
		return nil
	}
	out := make(map[string]*Schema, len(in))
	for k, v := range in {
		out[k] = render(v)
	}
	return out
}

// shallow copies the scalar fields of s.
func (s *Schema) shallow() *Schema {
	c := *s
	c.v3OneOf = nil
	return &c
}

// refs calls fn with every definition name s refers to directly.
func (s *Schema) refs(fn func(string)) {
	if s == nil {
		return
	}
	if s.Ref != "" {
		fn(s.Ref)
	}
	s.Items.refs(fn)
	s.AdditionalProperties.refs(fn)
	for _, p := range s.Properties {
		p.refs(fn)
	}
	for _, a := range s.AllOf {
		a.refs(fn)
	}
}

// closure returns the names of the definitions reachable from roots.
func closure(defs map[string]*Schema, roots []string) map[string]bool {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		defs[name].refs(visit)
	}
	for _, r := range roots {
		visit(r)
	}
	return seen
}
