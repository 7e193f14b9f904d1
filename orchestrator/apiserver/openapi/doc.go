// Package openapi generates and serves the OpenAPI documents of the API
// server: /openapi/v2 (swagger 2.0, as JSON or as the protobuf client-go
// asks for) and /openapi/v3 with one document per group version.
//
// kubectl needs them: `kubectl explain` reads the v3 document of a group
// version and finds the kind through the x-kubernetes-group-version-kind
// extension of its operations; `kubectl create/apply --validate=strict`
// checks manifests against the v2 document (unless the server claims
// fieldValidation support, see Config.ServerFieldValidation); `kubectl
// apply` reads x-kubernetes-patch-strategy and patch-merge-key to build
// strategic merge patches.
//
// Nothing is copied from a published spec: schema.go walks the Go types
// of k8s.io/api by reflection. A struct becomes a definition named after
// its package ("io.k8s.api.core.v1.Pod"); its json tags name the
// properties (no omitempty means required, inline structs are flattened,
// maps become additionalProperties, []byte a byte string); SwaggerDoc()
// supplies the descriptions and the patchStrategy/patchMergeKey tags the
// patch extensions. Types that describe themselves (OpenAPISchemaType:
// Quantity, IntOrString, Time) become primitive definitions. What only
// comments say (+optional/+required overriding omitempty, +enum values,
// +listType/+listMapKey/+mapType/+structType for server-side apply) is
// recorded in zz_generated.comments.go by TestGeneratedComments, which
// parses the k8s.io/api sources of the module cache (-update rewrites it).
//
// Lab 09 (API objects, etcd, the API server) introduces it. Read
// schema.go first, then paths.go (operations per resource), documents.go
// (v2 and v3 layouts) and handler.go (hashes, ETags, content types, gzip).
//
// Use from the API server, once at start-up:
//
//	h, err := openapi.NewHandler(openapi.Config{
//		Version: "v1.37.2",
//		Groups: []openapi.GroupVersionResources{
//			{Group: "", Version: "v1", Resources: []openapi.Resource{
//				{Name: "pods", Kind: "Pod", Namespaced: true,
//					Verbs:  []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"},
//					Object: &corev1.Pod{}, List: &corev1.PodList{}},
//				{Name: "pods/status", Kind: "Pod", Namespaced: true,
//					Verbs: []string{"get", "update", "patch"}, Object: &corev1.Pod{}},
//			}},
//			{Group: "apps", Version: "v1", Resources: []openapi.Resource{ ... }},
//		},
//	})
//	mux.Handle("/openapi/", h)
//
// Every document is generated and marshalled in NewHandler; requests
// only copy cached bytes.
package openapi
