package apiserver

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// maxBody bounds request bodies (etcd refuses values over 1.5 MiB anyway).
const maxBody = 3 << 20

func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("read request body: %v", err))
	}
	if len(b) > maxBody {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d bytes", maxBody))
	}
	return b, nil
}

// fieldValidation is the fieldValidation query parameter: Strict rejects
// unknown and duplicate fields, Warn (the default) reports them in Warning
// headers, Ignore drops them silently.
func fieldValidation(r *http.Request) (string, error) {
	switch v := r.URL.Query().Get("fieldValidation"); v {
	case "":
		return "Warn", nil
	case "Strict", "Warn", "Ignore":
		return v, nil
	default:
		return "", apierrors.NewBadRequest(fmt.Sprintf("fieldValidation %q: must be Strict, Warn or Ignore", v))
	}
}

func unsupportedMediaType(ct string, allowed ...string) error {
	return apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "", schema.GroupResource{}, "",
		fmt.Sprintf("the body of the request was in an unknown format %q: accepted media types are %s", ct, strings.Join(allowed, ", ")), 0, false)
}

// decodeBody decodes a request body of the kind the URL names. It returns
// the field-validation warnings to send back.
func decodeBody(r *http.Request, want schema.GroupVersionKind) (runtime.Object, []string, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, nil, err
	}
	return decodeBytes(r, body, r.Header.Get("Content-Type"), want)
}

func decodeBytes(r *http.Request, body []byte, contentType string, want schema.GroupVersionKind) (runtime.Object, []string, error) {
	mode, err := fieldValidation(r)
	if err != nil {
		return nil, nil, err
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	var dec runtime.Decoder
	switch mt {
	case mediaJSON, "":
		dec = pickStrict(mode, jsonDecoder, jsonStrictDecoder)
	case mediaYAML, "application/apply-patch+yaml", "text/yaml":
		dec = pickStrict(mode, yamlDecoder, yamlStrictDecoder)
	case mediaProtobuf:
		dec = protoDecoder
	default:
		return nil, nil, unsupportedMediaType(contentType, mediaJSON, mediaYAML, mediaProtobuf)
	}
	into, _ := Scheme.New(want)
	obj, gvk, err := dec.Decode(body, &want, into)
	var warnings []string
	if err != nil && runtime.IsStrictDecodingError(err) && obj != nil {
		if mode == "Strict" {
			return nil, nil, apierrors.NewBadRequest(err.Error())
		}
		warnings = strictWarnings(err)
		err = nil
	}
	if err != nil {
		return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("decode %s: %v", want.Kind, err))
	}
	if *gvk != want {
		return nil, nil, apierrors.NewBadRequest(fmt.Sprintf(
			"the object in the body is %s %s, but this URL serves %s %s: send apiVersion %q and kind %q",
			gvk.GroupVersion(), gvk.Kind, want.GroupVersion(), want.Kind, want.GroupVersion(), want.Kind))
	}
	obj.GetObjectKind().SetGroupVersionKind(want)
	return obj, warnings, nil
}

func pickStrict(mode string, lax, strict runtime.Decoder) runtime.Decoder {
	if mode == "Ignore" {
		return lax
	}
	return strict
}

func strictWarnings(err error) []string {
	se, ok := runtime.AsStrictDecodingError(err)
	if !ok {
		return []string{err.Error()}
	}
	var out []string
	for _, e := range se.Errors() {
		out = append(out, e.Error())
	}
	return out
}

// addWarnings sends warnings the way kubectl prints them.
func addWarnings(w http.ResponseWriter, warnings []string) {
	for _, m := range warnings {
		w.Header().Add("Warning", fmt.Sprintf("299 - %q", m))
	}
}
