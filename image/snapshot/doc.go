// Package snapshot gives each container a root filesystem (lab 05): every
// image layer is unpacked once, into its own directory keyed by its diff
// id and shared by all images that contain it, and a container's rootfs is
// an overlay mount of its image's layers (lowerdir, read-only) under its
// own upperdir and workdir, where all its writes land.
//
// Layout under <data-dir>/snapshots:
//
//	layers/<diffid>/       one unpacked layer, whiteouts in overlay form
//	l/<short>              short symlinks to layers/ (mount options are
//	                       limited to one page: short relative names fit
//	                       hundreds of layers)
//	containers/<id>/       upper/, work/, rootfs/ (the mount), layers.json
//	tmp/                   layers being unpacked
//
// Read snapshot.go (Prepare and Remove), then plan.go (the mount options,
// computed and tested without root), then mount_linux.go (the mount).
package snapshot
