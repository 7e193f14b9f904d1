// Package importer brings images into the store from files and takes them
// out again (lab 04):
//
//   - busybox.go builds the offline default image, busybox:latest, from the
//     host's static busybox: one layer, the applet links, /etc/passwd and
//     /etc/group, the usual directories;
//   - import.go recognizes OCI layouts (directory or tar), docker-archive
//     tars (`docker save`) and plain root filesystems (`docker import`);
//   - export.go writes OCI layouts and docker-archive tars that skopeo,
//     umoci and docker load read.
//
// Read busybox.go first: it shows what an image is made of.
package importer
