package openapi

import (
	"encoding/json"
	"testing"

	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/kube-openapi/pkg/spec3"
)

// kubectl apply reads patch strategies from the v3 document; the same
// library call on our document must merge containers by name.
func TestStrategicMergeFromV3(t *testing.T) {
	docs, err := build(Config{Groups: testGroups()})
	if err != nil {
		t.Fatal(err)
	}
	var doc spec3.OpenAPI
	if err := json.Unmarshal(docs.v3["apis/apps/v1"], &doc); err != nil {
		t.Fatalf("kube-openapi cannot read our v3 document: %v", err)
	}
	schemas := doc.Components.Schemas
	meta := strategicpatch.PatchMetaFromOpenAPIV3{SchemaList: schemas, Schema: schemas["io.k8s.api.apps.v1.Deployment"]}
	original := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1"},{"name":"log","image":"busybox"}]}}}}`)
	modified := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:2"},{"name":"log","image":"busybox"}]}}}}`)
	patch, err := strategicpatch.CreateThreeWayMergePatch(original, modified, original, meta, false)
	if err != nil {
		t.Fatalf("three-way merge patch: %v", err)
	}
	want := `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"log"}],"containers":[{"image":"nginx:2","name":"web"}]}}}}`
	if string(patch) != want {
		t.Errorf("patch = %s\nwant    %s", patch, want)
	}
}
