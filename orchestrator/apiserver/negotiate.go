package apiserver

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Media types of the wire formats.
const (
	mediaJSON     = "application/json"
	mediaYAML     = "application/yaml"
	mediaProtobuf = "application/vnd.kubernetes.protobuf"
)

// output is the negotiated response format: a serializer, and what to
// transform the object into ("" for the object itself, "Table",
// "PartialObjectMetadata", "APIGroupDiscoveryList").
type output struct {
	info runtime.SerializerInfo
	as   string
}

func (o output) contentType() string {
	ct := o.info.MediaType
	switch o.as {
	case "Table", "PartialObjectMetadata", "PartialObjectMetadataList":
		ct += ";as=" + o.as + ";g=meta.k8s.io;v=v1"
	case "APIGroupDiscoveryList":
		ct += ";g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
	}
	return ct
}

func serializerFor(mediaType string) (runtime.SerializerInfo, bool) {
	for _, info := range Codecs.SupportedMediaTypes() {
		if info.MediaType == mediaType {
			return info, true
		}
	}
	return runtime.SerializerInfo{}, false
}

// negotiate picks the first acceptable format from the Accept header.
// allowedAs lists the transformations this endpoint can produce.
func negotiate(r *http.Request, allowedAs ...string) (output, error) {
	accept := r.Header.Get("Accept")
	if accept == "" {
		accept = mediaJSON
	}
	for _, clause := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(clause))
		if err != nil {
			continue
		}
		if o, ok := pick(mt, params, allowedAs); ok {
			return o, nil
		}
	}
	return output{}, apierrors.NewGenericServerResponse(http.StatusNotAcceptable, "", schema.GroupResource{}, "",
		fmt.Sprintf("only the following media types are accepted: %s, %s, %s", mediaJSON, mediaYAML, mediaProtobuf), 0, false)
}

func pick(mt string, params map[string]string, allowedAs []string) (output, bool) {
	switch mt {
	case "*/*", "application/*":
		mt = mediaJSON
	}
	info, ok := serializerFor(mt)
	if !ok {
		return output{}, false
	}
	as := params["as"]
	if as == "" {
		return output{info: info}, true
	}
	for _, a := range allowedAs {
		if a == as && versionOK(as, params) {
			return output{info: info, as: as}, true
		}
	}
	return output{}, false
}

func versionOK(as string, p map[string]string) bool {
	if as == "APIGroupDiscoveryList" {
		return p["g"] == "apidiscovery.k8s.io" && p["v"] == "v2"
	}
	return p["g"] == "meta.k8s.io" && p["v"] == "v1"
}

// writeObject encodes obj in the negotiated format.
func writeObject(w http.ResponseWriter, code int, o output, obj runtime.Object) {
	w.Header().Set("Content-Type", o.contentType())
	w.WriteHeader(code)
	if err := o.info.Serializer.Encode(obj, w); err != nil {
		fmt.Fprintf(w, "\nencode response: %v\n", err)
	}
}

// writeError sends err as a Kubernetes Status, in JSON unless the client
// asked for another format.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	st := statusOf(err)
	o, nerr := negotiate(r)
	if nerr != nil || o.info.MediaType == mediaYAML {
		o = output{info: mustSerializer(mediaJSON)}
	}
	writeObject(w, int(st.Code), o, st)
}

func statusOf(err error) *metav1.Status {
	var st metav1.Status
	var ae apierrors.APIStatus
	if errors.As(err, &ae) {
		st = ae.Status()
	} else {
		st = apierrors.NewInternalError(err).Status()
	}
	st.Kind, st.APIVersion = "Status", "v1"
	return &st
}

func mustSerializer(mt string) runtime.SerializerInfo {
	info, ok := serializerFor(mt)
	if !ok {
		panic("no serializer for " + mt)
	}
	return info
}
