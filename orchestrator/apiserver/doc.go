// Package apiserver is skiff's Kubernetes-compatible API server: the REST
// API of Kubernetes (the wire format of k8s.io/api types, in JSON, YAML and
// protobuf) over the etcd store of orchestrator/store, enough for the real
// kubectl, client-go informers and skiff's own scheduler, controllers and
// node agent.
//
// A request goes through the pipeline of pipeline.go — authentication,
// authorization, mutating admission, validation, validating admission —
// to the store. The stages are interfaces defined here; the concrete ones
// arrive in labs 10 and 11 and are wired by cmd/skiff. By default all is
// allowed.
//
// Everything served comes from one table, resources.go: group, version,
// kind, scope, short names, subresources. The generic handlers (read.go,
// watch.go, write.go, patch.go, delete.go, subresources.go) work on any
// row; per-kind behaviour is a strategy (strategy.go, defaults.go,
// validate.go, services.go): defaulting, validation with field paths,
// immutable fields, ClusterIP and NodePort allocation, Job selectors.
// conversion.go serves events.k8s.io/v1 and autoscaling/v1 as views of
// what is stored. lifecycle.go and gc.go add namespace termination and
// ownerReference garbage collection; managedfields.go the simplified field
// ownership of server-side apply; proxy.go forwards pods/log, exec, attach
// and portforward to the node agent; serve.go and pki.go the HTTPS
// listener, the cluster CA and the admin kubeconfig. Two helpers live in
// sub-packages and are wired in by extensions.go: printers (tables for
// kubectl get) and openapi (documents for kubectl explain and apply).
//
// Lab 09 introduces it. Read resources.go first, then handler.go (the
// dispatch), read.go and write.go, then watch.go.
package apiserver
