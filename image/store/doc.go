// Package store is skiff's content-addressed image store (lab 04): an OCI
// image layout (oci-layout, index.json, blobs/sha256/...) under
// <data-dir>/images, so skopeo and umoci can read it directly.
//
// Every blob is stored under its sha256 and verified while it is written;
// a blob already present is never written again, which makes pulls
// resumable. index.json lists one manifest per image name, the name kept in
// the annotation org.opencontainers.image.ref.name. Writes go to a temporary
// file first and are renamed into place, so a crash never leaves a
// half-written blob or index visible.
//
// Read store.go (layout, blobs), then image.go (writing and reading images),
// then gc.go (untagging and pruning).
package store
