// Package process turns an image config into the OCI process of a
// container (lab 04): Entrypoint and Cmd with Docker's override rules, Env,
// WorkingDir, User (names resolved through the image's own /etc/passwd and
// /etc/group), StopSignal and Volumes. It returns runtime-spec types the
// runtime puts into config.json. Read process.go, then user.go.
package process
