package apiserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"
)

// Patch types by Content-Type.
var patchTypes = map[string]types.PatchType{
	string(types.JSONPatchType):           types.JSONPatchType,
	string(types.MergePatchType):          types.MergePatchType,
	string(types.StrategicMergePatchType): types.StrategicMergePatchType,
	string(types.ApplyYAMLPatchType):      types.ApplyYAMLPatchType,
}

// patchRequest is a parsed PATCH body.
type patchRequest struct {
	typ  types.PatchType
	body []byte // JSON (apply bodies are converted from YAML)
}

func parsePatch(r *http.Request) (patchRequest, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	pt, ok := patchTypes[ct]
	if !ok {
		return patchRequest{}, unsupportedMediaType(r.Header.Get("Content-Type"),
			string(types.JSONPatchType), string(types.MergePatchType), string(types.StrategicMergePatchType), string(types.ApplyYAMLPatchType))
	}
	body, err := readBody(r)
	if err != nil {
		return patchRequest{}, err
	}
	if pt == types.ApplyYAMLPatchType {
		if body, err = yaml.YAMLToJSON(body); err != nil {
			return patchRequest{}, apierrors.NewBadRequest(fmt.Sprintf("decode applied configuration: %v", err))
		}
	}
	return patchRequest{typ: pt, body: body}, nil
}

func (s *Server) patch(w http.ResponseWriter, r *http.Request, req request) error {
	o, err := negotiate(r)
	if err != nil {
		return err
	}
	wo, err := parseWriteOptions(r, req)
	if err != nil {
		return err
	}
	p, err := parsePatch(r)
	if err != nil {
		return err
	}
	if p.typ == types.ApplyYAMLPatchType {
		return s.apply(w, r, req, o, wo, p)
	}
	wo.appliedFields = patchFields(p)
	var warnings []string
	out, err := s.updateObject(r.Context(), req.res, req.namespace, req.name, "", wo, func(old runtime.Object) (runtime.Object, error) {
		obj, warns, err := applyPatch(r, req.res.gvk(), old, p)
		warnings = warns
		return obj, err
	})
	if err != nil {
		return err
	}
	addWarnings(w, warnings)
	return s.respond(w, r, o, http.StatusOK, req.res, out)
}

func patchFields(p patchRequest) []byte {
	if p.typ == types.JSONPatchType {
		return nil
	}
	return fieldSetJSON(p.body)
}

// applyPatch applies a patch to the JSON of old and decodes the result as
// kind want (strictly, as fieldValidation asks).
func applyPatch(r *http.Request, want schema.GroupVersionKind, old runtime.Object, p patchRequest) (runtime.Object, []string, error) {
	var buf bytes.Buffer
	if err := storageCodec.Encode(old, &buf); err != nil {
		return nil, nil, err
	}
	patched, err := patchJSON(buf.Bytes(), p, old)
	if err != nil {
		return nil, nil, err
	}
	return decodeBytes(r, patched, mediaJSON, want)
}

func patchJSON(doc []byte, p patchRequest, typed runtime.Object) ([]byte, error) {
	var out []byte
	var err error
	switch p.typ {
	case types.JSONPatchType:
		var jp jsonpatch.Patch
		if jp, err = jsonpatch.DecodePatch(p.body); err == nil {
			out, err = jp.Apply(doc)
		}
	case types.MergePatchType:
		out, err = jsonpatch.MergePatch(doc, p.body)
	default: // strategic merge and apply
		out, err = strategicpatch.StrategicMergePatch(doc, p.body, typed)
	}
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("apply %s patch: %v", p.typ, err))
	}
	return out, nil
}

// apply is server-side apply: create the object from the applied
// configuration if it does not exist, otherwise merge the configuration
// into it (strategic merge) and record the manager's fields.
func (s *Server) apply(w http.ResponseWriter, r *http.Request, req request, o output, wo writeOptions, p patchRequest) error {
	if r.URL.Query().Get("fieldManager") == "" {
		return apierrors.NewBadRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
	}
	wo.operation = metav1.ManagedFieldsOperationApply
	wo.appliedFields = fieldSetJSON(p.body)
	var warnings []string
	out, err := s.updateObject(r.Context(), req.res, req.namespace, req.name, "", wo, func(old runtime.Object) (runtime.Object, error) {
		obj, warns, err := applyConfig(r, req.res.gvk(), old, p, wo)
		warnings = warns
		return obj, err
	})
	if apierrors.IsNotFound(err) {
		return s.applyCreate(w, r, req, o, wo, p)
	}
	if err != nil {
		return err
	}
	addWarnings(w, warnings)
	return s.respond(w, r, o, http.StatusOK, req.res, out)
}

func (s *Server) applyCreate(w http.ResponseWriter, r *http.Request, req request, o output, wo writeOptions, p patchRequest) error {
	obj, warnings, err := decodeBytes(r, p.body, mediaJSON, req.res.gvk())
	if err != nil {
		return err
	}
	if err := matchNamespace(req, obj); err != nil {
		return err
	}
	if n := metaOf(obj).GetName(); n != req.name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", n, req.name))
	}
	created, err := s.createObject(r.Context(), req.res, obj, wo)
	if err != nil {
		return err
	}
	addWarnings(w, warnings)
	return s.respond(w, r, o, http.StatusCreated, req.res, created)
}

// applyConfig merges an applied configuration into the live object and
// removes the fields this manager applied last time but no longer does,
// unless another manager also set them.
func applyConfig(r *http.Request, want schema.GroupVersionKind, old runtime.Object, p patchRequest, wo writeOptions) (runtime.Object, []string, error) {
	var buf bytes.Buffer
	if err := storageCodec.Encode(old, &buf); err != nil {
		return nil, nil, err
	}
	merged, err := patchJSON(buf.Bytes(), p, old)
	if err != nil {
		return nil, nil, err
	}
	drop := droppedFields(metaOf(old).GetManagedFields(), wo.fieldManager, wo.appliedFields)
	if len(drop) > 0 {
		var doc map[string]any
		if err := json.Unmarshal(merged, &doc); err != nil {
			return nil, nil, err
		}
		for _, path := range drop {
			removePath(doc, path)
		}
		if merged, err = json.Marshal(doc); err != nil {
			return nil, nil, err
		}
	}
	return decodeBytes(r, merged, mediaJSON, want)
}

// droppedFields are the leaf paths of the manager's previous apply that
// neither its new configuration nor any other manager sets.
func droppedFields(entries []metav1.ManagedFieldsEntry, manager string, applied []byte) [][]string {
	var prev map[string]bool
	keep := paths(applied)
	for _, e := range entries {
		if e.FieldsV1 == nil {
			continue
		}
		if e.Manager == manager && e.Operation == metav1.ManagedFieldsOperationApply && e.Subresource == "" {
			prev = leaves(e.FieldsV1.Raw)
			continue
		}
		for k := range paths(e.FieldsV1.Raw) {
			keep[k] = true
		}
	}
	var out [][]string
	for k := range prev {
		if !keep[k] {
			out = append(out, strings.Split(k, "\x00"))
		}
	}
	return out
}

// paths lists every path of a FieldsV1 set (interior and leaves), leaves
// only its leaves; both as "\x00"-joined field names.
func paths(set []byte) map[string]bool  { return walkSet(set, false) }
func leaves(set []byte) map[string]bool { return walkSet(set, true) }

func walkSet(set []byte, leavesOnly bool) map[string]bool {
	out := map[string]bool{}
	var tree map[string]any
	if json.Unmarshal(set, &tree) != nil {
		return out
	}
	var walk func(prefix []string, node map[string]any)
	walk = func(prefix []string, node map[string]any) {
		for k, v := range node {
			if !strings.HasPrefix(k, "f:") {
				continue
			}
			path := append(append([]string{}, prefix...), strings.TrimPrefix(k, "f:"))
			sub, _ := v.(map[string]any)
			if len(sub) == 0 || !leavesOnly {
				out[strings.Join(path, "\x00")] = true
			}
			walk(path, sub)
		}
	}
	walk(nil, tree)
	return out
}

func removePath(doc map[string]any, path []string) {
	for i, k := range path {
		if i == len(path)-1 {
			delete(doc, k)
			return
		}
		next, ok := doc[k].(map[string]any)
		if !ok {
			return
		}
		doc = next
	}
}
