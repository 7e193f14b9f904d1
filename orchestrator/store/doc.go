// Package store keeps API objects in etcd: one key per object under
// /registry/<resource>/<namespace>/<name> (cluster-scoped objects have no
// namespace segment), the object's resourceVersion being the key's etcd
// modification revision.
//
// It knows nothing about Kubernetes types: values are opaque bytes that the
// API server encodes. What it adds to a raw etcd client is the contract the
// API server relies on:
//
//   - Create fails with ErrExists if the key is present (a transaction on
//     create revision 0);
//   - Update and Delete with a revision succeed only if the key still has that
//     modification revision (optimistic concurrency: ErrConflict, HTTP 409);
//   - List reads at one revision, page by page (limit and a start key);
//   - Watch streams changes after a revision, with progress "bookmarks", and
//     reports ErrGone (HTTP 410) when that revision has been compacted away.
//
// etcd is embedded in the process by default (Open with no Servers starts it
// with its data under Config.DataDir); with Config.Servers it talks to an
// external cluster instead. Only orchestrator/apiserver imports this package.
//
// Lab 09 introduces it. Read store.go first, then watch.go, then embed.go.
package store
