package pod

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// Parse reads one Pod manifest (YAML or JSON) strictly: a syntax error,
// an unknown field, a kind other than Pod or a field skiff does not
// support is an error naming the field. It does not validate values: call
// Validate.
func Parse(data []byte) (*corev1.Pod, error) {
	doc, err := oneDocument(data)
	if err != nil {
		return nil, err
	}
	var pod corev1.Pod
	if err := checkUnknown(doc); err != nil {
		return nil, err
	}
	if err := yaml.UnmarshalStrict(doc, &pod); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrInvalid, cleanYAMLError(err))
	}
	if pod.APIVersion != "v1" || pod.Kind != "Pod" {
		return nil, fmt.Errorf("%w: apiVersion %q, kind %q: want apiVersion v1, kind Pod", ErrInvalid, pod.APIVersion, pod.Kind)
	}
	if err := CheckSupported(&pod); err != nil {
		return nil, err
	}
	return &pod, nil
}

// checkUnknown reports every unknown field with its path.
func checkUnknown(doc []byte) error {
	var v any
	if err := yaml.Unmarshal(doc, &v); err != nil {
		return fmt.Errorf("%w: %s", ErrInvalid, cleanYAMLError(err))
	}
	var bad []string
	unknownFields("", v, reflect.TypeFor[corev1.Pod](), &bad)
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(bad, "; "))
	}
	return nil
}

// oneDocument returns the only non-empty YAML document of data.
func oneDocument(data []byte) ([]byte, error) {
	var docs [][]byte
	for _, d := range bytes.Split(append([]byte("\n"), data...), []byte("\n---")) {
		if len(bytes.TrimSpace(stripComments(d))) > 0 {
			docs = append(docs, d)
		}
	}
	switch len(docs) {
	case 0:
		return nil, fmt.Errorf("%w: empty manifest", ErrInvalid)
	case 1:
		return docs[0], nil
	}
	return nil, fmt.Errorf("%w: %d YAML documents: give one Pod per file", ErrInvalid, len(docs))
}

func stripComments(d []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(d, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			out = append(append(out, line...), '\n')
		}
	}
	return out
}

// cleanYAMLError drops the decoder's layers of prefixes.
func cleanYAMLError(err error) string {
	s := err.Error()
	for _, p := range []string{"error converting YAML to JSON: ", "error unmarshaling JSON: ", "while decoding JSON: ", "json: "} {
		s = strings.ReplaceAll(s, p, "")
	}
	return s
}

// schema lists the fields skiff implements: a nil value accepts the field
// as it is, a schema recurses into it (into each element of a list).
type schema map[string]schema

var (
	anything       schema = nil
	securitySchema        = schema{"runAsUser": anything, "runAsGroup": anything, "runAsNonRoot": anything,
		"capabilities": {"add": anything, "drop": anything}, "readOnlyRootFilesystem": anything,
		"privileged": anything, "allowPrivilegeEscalation": anything}
	containerSchema = schema{
		"name": anything, "image": anything, "imagePullPolicy": anything, "command": anything, "args": anything,
		"workingDir": anything, "restartPolicy": anything,
		"terminationMessagePath": anything, "terminationMessagePolicy": anything,
		"ports":           {"name": anything, "containerPort": anything, "hostPort": anything, "protocol": anything, "hostIP": anything},
		"env":             {"name": anything, "value": anything, "valueFrom": {"fieldRef": {"fieldPath": anything, "apiVersion": anything}}},
		"resources":       {"limits": {"cpu": anything, "memory": anything}, "requests": {"cpu": anything, "memory": anything}},
		"volumeMounts":    {"name": anything, "mountPath": anything, "readOnly": anything, "subPath": anything},
		"securityContext": securitySchema,
	}
	podSchema = schema{
		"apiVersion": anything, "kind": anything, "status": {},
		"metadata": {"name": anything, "namespace": anything, "labels": anything, "annotations": anything,
			"uid": anything, "creationTimestamp": anything},
		"spec": {
			"containers": containerSchema, "initContainers": containerSchema,
			"volumes": {"name": anything, "emptyDir": {"medium": anything, "sizeLimit": anything},
				"hostPath": {"path": anything, "type": anything}},
			"restartPolicy": anything, "terminationGracePeriodSeconds": anything,
			"hostNetwork": anything, "shareProcessNamespace": anything, "hostname": anything,
			"dnsPolicy": anything, "securityContext": {"runAsUser": anything, "runAsGroup": anything, "runAsNonRoot": anything},
		},
	}
)

// CheckSupported refuses, by field path, every set field of pod that skiff
// does not implement (probes, lifecycle hooks, affinity, configMap
// volumes, ...), instead of silently ignoring it.
func CheckSupported(pod *corev1.Pod) error {
	data, err := json.Marshal(pod)
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	var bad []string
	walk("", v, podSchema, &bad)
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrUnsupported, strings.Join(bad, "; "))
	}
	return nil
}

func walk(path string, v any, s schema, bad *[]string) {
	if s == nil {
		return
	}
	switch v := v.(type) {
	case []any:
		for i, e := range v {
			walk(fmt.Sprintf("%s[%d]", path, i), e, s, bad)
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := strings.TrimPrefix(path+"."+k, ".")
			sub, ok := s[k]
			if !ok {
				if !isEmpty(v[k]) {
					*bad = append(*bad, p+": not supported by skiff pod run; remove it")
				}
				continue
			}
			walk(p, v[k], sub, bad)
		}
	}
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, e := range v {
			if !isEmpty(e) {
				return false
			}
		}
		return true
	}
	return false
}

// errs collects validation errors as "field.path: message".
type errs []string

func (e *errs) add(path, format string, args ...any) {
	*e = append(*e, path+": "+fmt.Sprintf(format, args...))
}

func (e errs) err() error {
	if len(e) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(e, "; "))
}
