package openapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
)

// Content types of the OpenAPI v2 protobuf form. client-go asks for the
// first and reads the body as protobuf; the server answers with the second.
const (
	mimeV2ProtoAsk   = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
	mimeV2ProtoReply = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
	mimeJSON         = "application/json"
)

// blob is one served document, compressed once for clients that accept
// gzip (documents are hundreds of kilobytes), and its entity tag.
type blob struct {
	data, gzipped []byte
	etag          string // upper-case hex SHA-512 of data
}

func newBlob(data []byte) (blob, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		return blob{}, fmt.Errorf("gzip document: %w", err)
	}
	if err := zw.Close(); err != nil {
		return blob{}, fmt.Errorf("gzip document: %w", err)
	}
	return blob{data: data, gzipped: buf.Bytes(), etag: fmt.Sprintf("%X", sha512.Sum512(data))}, nil
}

// Handler serves /openapi/v2, /openapi/v3 and /openapi/v3/<group version>
// from documents built once by NewHandler.
type Handler struct {
	v2JSON, v2Proto blob
	v3Discovery     blob
	v3              map[string]blob // "api/v1", "apis/apps/v1"
	built           time.Time
}

// v3Discovery is the body of /openapi/v3.
type v3Discovery struct {
	Paths map[string]v3Path `json:"paths"`
}

type v3Path struct {
	ServerRelativeURL string `json:"serverRelativeURL"`
}

// NewHandler generates every document for cfg and returns the handler
// that serves them. Mount it at /openapi/ (it serves only /openapi/...).
func NewHandler(cfg Config) (*Handler, error) {
	docs, err := build(cfg)
	if err != nil {
		return nil, err
	}
	h := &Handler{v3: map[string]blob{}, built: time.Now()}
	if h.v2JSON, err = newBlob(docs.v2); err != nil {
		return nil, err
	}
	parsed, err := openapiv2.ParseDocument(docs.v2)
	if err != nil {
		return nil, fmt.Errorf("convert openapi v2 to protobuf: %w", err)
	}
	pb, err := proto.Marshal(parsed)
	if err != nil {
		return nil, fmt.Errorf("marshal openapi v2 protobuf: %w", err)
	}
	if h.v2Proto, err = newBlob(pb); err != nil {
		return nil, err
	}
	disc := v3Discovery{Paths: map[string]v3Path{}}
	for key, data := range docs.v3 {
		b, err := newBlob(data)
		if err != nil {
			return nil, err
		}
		h.v3[key] = b
		disc.Paths[key] = v3Path{ServerRelativeURL: serverRelativeURL(key, b.etag)}
	}
	data, err := json.Marshal(disc)
	if err != nil {
		return nil, fmt.Errorf("marshal openapi v3 discovery: %w", err)
	}
	h.v3Discovery, err = newBlob(data)
	return h, err
}

func serverRelativeURL(key, etag string) string {
	return "/openapi/v3/" + key + "?hash=" + etag
}

// ServeHTTP answers GET and HEAD of the OpenAPI endpoints.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch path := strings.TrimSuffix(r.URL.Path, "/"); {
	case path == "/openapi/v2":
		h.serveV2(w, r)
	case path == "/openapi/v3":
		h.serve(w, r, h.v3Discovery, mimeJSON)
	case strings.HasPrefix(path, "/openapi/v3/"):
		h.serveGroupVersion(w, r, strings.TrimPrefix(path, "/openapi/v3/"))
	default:
		http.NotFound(w, r)
	}
}

// serveV2 answers protobuf to clients that ask for it (client-go does)
// and JSON to everyone else.
func (h *Handler) serveV2(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Accept")
	if accepts(r, mimeV2ProtoAsk) || accepts(r, mimeV2ProtoReply) {
		h.serve(w, r, h.v2Proto, mimeV2ProtoReply)
		return
	}
	h.serve(w, r, h.v2JSON, mimeJSON)
}

// serveGroupVersion serves one v3 document. With ?hash= matching the
// document the answer may be cached for a year; a stale hash is
// redirected to the current one, as kube-apiserver does.
func (h *Handler) serveGroupVersion(w http.ResponseWriter, r *http.Request, key string) {
	b, ok := h.v3[key]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Add("Vary", "Accept")
	if !accepts(r, mimeJSON) {
		http.Error(w, "only application/json is served", http.StatusNotAcceptable)
		return
	}
	if hash := r.URL.Query().Get("hash"); hash != "" {
		if hash != b.etag {
			http.Redirect(w, r, serverRelativeURL(key, b.etag), http.StatusMovedPermanently)
			return
		}
		w.Header().Set("Cache-Control", "public, immutable")
		w.Header().Set("Expires", time.Now().AddDate(1, 0, 0).UTC().Format(http.TimeFormat))
	}
	h.serve(w, r, b, mimeJSON)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, b blob, contentType string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Etag", strconv.Quote(b.etag))
	w.Header().Add("Vary", "Accept-Encoding")
	data := b.data
	if acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		data = b.gzipped
	}
	http.ServeContent(w, r, "", h.built, bytes.NewReader(data))
}

// acceptsGzip reports whether Accept-Encoding lists gzip (not with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, enc := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(enc), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// accepts reports whether the Accept header of r allows contentType; a
// missing header accepts anything.
func accepts(r *http.Request, contentType string) bool {
	header := r.Header.Get("Accept")
	if header == "" {
		return true
	}
	want := strings.SplitN(contentType, "/", 2)
	for _, clause := range strings.Split(header, ",") {
		// Not mime.ParseMediaType: client-go's protobuf type contains '@'.
		mt, _, _ := strings.Cut(clause, ";")
		got := strings.SplitN(strings.ToLower(strings.TrimSpace(mt)), "/", 2)
		if len(got) != 2 {
			continue
		}
		if (got[0] == "*" || got[0] == want[0]) && (got[1] == "*" || got[1] == want[1]) {
			return true
		}
	}
	return false
}
