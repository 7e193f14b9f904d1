package apiserver

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"

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
		obj, warns, err := applyPatch(r, req.res.gvk(), old, p)
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
