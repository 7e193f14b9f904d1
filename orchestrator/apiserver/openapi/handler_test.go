package openapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
)

var (
	handlerOnce sync.Once
	testHandler *Handler
	handlerErr  error
)

// sharedHandler builds the test API once for all tests of the package.
func sharedHandler(t *testing.T) *Handler {
	t.Helper()
	handlerOnce.Do(func() { testHandler, handlerErr = NewHandler(Config{Groups: testGroups(), Version: "v1.37.2"}) })
	if handlerErr != nil {
		t.Fatalf("NewHandler: %v", handlerErr)
	}
	return testHandler
}

func get(t *testing.T, h http.Handler, url string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestV3DiscoveryAndHash(t *testing.T) {
	h := sharedHandler(t)
	resp := get(t, h, "/openapi/v3", nil)
	var disc v3Discovery
	if err := json.NewDecoder(resp.Body).Decode(&disc); err != nil || resp.StatusCode != 200 {
		t.Fatalf("discovery: status %d err %v", resp.StatusCode, err)
	}
	for _, key := range []string{"api/v1", "apis/apps/v1", "apis/batch/v1"} {
		if !strings.HasPrefix(disc.Paths[key].ServerRelativeURL, "/openapi/v3/"+key+"?hash=") {
			t.Errorf("discovery %s = %q", key, disc.Paths[key].ServerRelativeURL)
		}
	}
	url := disc.Paths["apis/apps/v1"].ServerRelativeURL
	resp = get(t, h, url, map[string]string{"Accept": "application/json"})
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, immutable" || resp.Header.Get("Expires") == "" {
		t.Errorf("hashed GET: status %d headers %v", resp.StatusCode, resp.Header)
	}
	etag := resp.Header.Get("Etag")
	if resp := get(t, h, "/openapi/v3/apis/apps/v1", map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", resp.StatusCode)
	}
	if resp := get(t, h, "/openapi/v3/apis/apps/v1", nil); resp.Header.Get("Cache-Control") != "" {
		t.Errorf("unhashed GET carries Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	resp = get(t, h, "/openapi/v3/apis/apps/v1?hash=0000", nil)
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != url {
		t.Errorf("stale hash: status %d location %q, want 301 to %q", resp.StatusCode, resp.Header.Get("Location"), url)
	}
	if resp := get(t, h, "/openapi/v3/apis/nope/v1", nil); resp.StatusCode != 404 {
		t.Errorf("unknown group version: status %d", resp.StatusCode)
	}
	if resp := get(t, h, "/openapi/v3/api/v1", map[string]string{"Accept": "application/com.github.proto-openapi.spec.v3@v1.0+protobuf"}); resp.StatusCode != http.StatusNotAcceptable {
		t.Errorf("protobuf v3: status %d, want 406", resp.StatusCode)
	}
}

func TestV2JSONAndProtobuf(t *testing.T) {
	h := sharedHandler(t)
	resp := get(t, h, "/openapi/v2", map[string]string{"Accept": "application/json"})
	var doc swaggerV2
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatalf("v2 json: %v", err)
	}
	if doc.Swagger != "2.0" || doc.Definitions["io.k8s.api.core.v1.Pod"] == nil {
		t.Errorf("v2 json: swagger %q, Pod present %v", doc.Swagger, doc.Definitions["io.k8s.api.core.v1.Pod"] != nil)
	}
	resp = get(t, h, "/openapi/v2", map[string]string{"Accept": mimeV2ProtoAsk})
	if ct := resp.Header.Get("Content-Type"); ct != mimeV2ProtoReply {
		t.Fatalf("v2 protobuf content type %q", ct)
	}
	body, _ := io.ReadAll(resp.Body)
	var pb openapiv2.Document
	if err := proto.Unmarshal(body, &pb); err != nil {
		t.Fatalf("v2 protobuf: %v", err)
	}
	found := false
	for _, d := range pb.GetDefinitions().GetAdditionalProperties() {
		found = found || d.GetName() == "io.k8s.api.apps.v1.Deployment"
	}
	if pb.GetSwagger() != "2.0" || !found {
		t.Errorf("v2 protobuf: swagger %q, Deployment found %v", pb.GetSwagger(), found)
	}
}

func TestGzip(t *testing.T) {
	h := sharedHandler(t)
	plain := get(t, h, "/openapi/v3/api/v1", nil)
	want, _ := io.ReadAll(plain.Body)
	if plain.Header.Get("Content-Encoding") != "" {
		t.Fatalf("gzip without Accept-Encoding")
	}
	resp := get(t, h, "/openapi/v3/api/v1", map[string]string{"Accept-Encoding": "br, gzip"})
	if resp.Header.Get("Content-Encoding") != "gzip" || !slices.Contains(resp.Header.Values("Vary"), "Accept-Encoding") {
		t.Fatalf("headers = %v", resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("gunzipped body differs (%d vs %d bytes): %v", len(got), len(want), err)
	}
	if resp := get(t, h, "/openapi/v2", map[string]string{"Accept-Encoding": "gzip;q=0"}); resp.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
}
