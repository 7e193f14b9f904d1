package apiserver

import (
	"encoding/json"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Field ownership, simplified. Every write records an entry in
// metadata.managedFields for its field manager (the fieldManager parameter,
// else the client's user-agent program name) with the set of fields it
// sent, in the FieldsV1 format kubectl shows. Server-side apply merges the
// applied configuration into the live object (strategic merge, patch.go)
// and removes the fields the manager applied before but no longer does,
// unless another manager set them too.
//
// Unlike Kubernetes, which tracks ownership with
// sigs.k8s.io/structured-merge-diff and typed schemas, skiff treats lists
// as single fields (dropping one container from an applied configuration
// does not remove it) and never reports conflicts between managers
// (force is accepted and changes nothing).

func managerFromUserAgent(ua string) string {
	if i := strings.IndexByte(ua, '/'); i > 0 {
		return ua[:i]
	}
	if ua == "" {
		return "unknown"
	}
	return ua
}

// recordManager upserts the entry of wo.fieldManager for the fields of the
// object being written (m's object). old carries the entries so far.
func recordManager(m metav1.Object, wo writeOptions, old metav1.Object) {
	if wo.fieldManager == "" {
		return
	}
	var entries []metav1.ManagedFieldsEntry
	if old != nil {
		entries = old.GetManagedFields()
	}
	fields := wo.appliedFields
	if fields == nil {
		return
	}
	entry := metav1.ManagedFieldsEntry{
		Manager: wo.fieldManager, Operation: wo.operation, APIVersion: wo.attrs.APIVersion,
		Time: &metav1.Time{Time: time.Now().Truncate(time.Second)}, FieldsType: "FieldsV1",
		FieldsV1: &metav1.FieldsV1{Raw: fields}, Subresource: wo.attrs.Subresource,
	}
	if wo.attrs.APIGroup != "" {
		entry.APIVersion = wo.attrs.APIGroup + "/" + wo.attrs.APIVersion
	}
	out := entries[:0:0]
	for _, e := range entries {
		if e.Manager != entry.Manager || e.Operation != entry.Operation || e.Subresource != entry.Subresource {
			out = append(out, e)
		}
	}
	m.SetManagedFields(append(out, entry))
}

// fieldSet is the FieldsV1 set of an object's fields: every map key as
// "f:<key>", lists and scalars as leaves. Server-owned metadata and the
// status are left out.
func fieldSet(obj runtime.Object) []byte {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil
	}
	return fieldSetJSON(raw)
}

func fieldSetJSON(raw []byte) []byte {
	var doc map[string]any
	if json.Unmarshal(raw, &doc) != nil {
		return nil
	}
	delete(doc, "apiVersion")
	delete(doc, "kind")
	delete(doc, "status")
	if md, ok := doc["metadata"].(map[string]any); ok {
		kept := map[string]any{}
		for _, k := range []string{"labels", "annotations", "finalizers", "ownerReferences"} {
			if v, ok := md[k]; ok {
				kept[k] = v
			}
		}
		doc["metadata"] = kept
		if len(kept) == 0 {
			delete(doc, "metadata")
		}
	}
	out, _ := json.Marshal(toFields(doc))
	return out
}

func toFields(v any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		return map[string]any{}
	}
	out := map[string]any{}
	for k, sub := range m {
		out["f:"+k] = toFields(sub)
	}
	return out
}
