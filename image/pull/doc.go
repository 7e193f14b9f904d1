// Package pull fetches images from registries into the store (lab 04).
//
// It is go-containerregistry's remote package with skiff's choices: Docker's
// name defaults, anonymous token auth or the credentials of
// ~/.docker/config.json, plain HTTP for localhost and --insecure-registry,
// the host platform's entry of a multi-arch index, layers downloaded in
// parallel with one progress line each, every blob verified and never
// fetched twice. Read pull.go, then progress.go.
package pull
