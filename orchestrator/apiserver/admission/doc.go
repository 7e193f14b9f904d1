// Package admission holds the API server's admission plugins (lab 11):
// after authorization, mutating plugins may change a written object
// (fill in defaults), then, after schema validation, validating plugins
// may refuse it. Each plugin is one small file:
//
//   - namespacelifecycle.go: no new objects in a missing or terminating
//     namespace; default, kube-system and kube-public are never deleted;
//   - serviceaccount.go: pods run as a service account ("default" unless
//     named), which must exist; the "default" one is created when a
//     namespace is made (no controller does it in skiff);
//   - priority.go: spec.priorityClassName -> spec.priority, the
//     globalDefault class for pods that name none;
//   - limitranger.go: LimitRange defaults for container requests and
//     limits, and their min/max bounds;
//   - resourcequota.go: counts what a namespace uses and refuses what
//     would go over a ResourceQuota; keeps status.used up to date;
//   - defaulttolerationseconds.go: pods tolerate not-ready and
//     unreachable nodes for 300 s.
//
// chain.go orders them, applies --enable/--disable-admission-plugins and
// logs each plugin's decision at debug level. Plugins read other objects
// with client-go (the server's own loopback client, see
// cmd/skiff/apiserver_pipeline.go). Read chain.go first, then any plugin.
package admission
