// Package image is the root of skiff's image side (lab 04): everything that
// turns a name like "busybox" into files a container can run from.
//
// Read in this order:
//
//   - ref: image references ("busybox" -> docker.io/library/busybox:latest);
//   - store: the content-addressed store, an OCI image layout on disk;
//   - pull: fetching an image from a registry into the store;
//   - layer: unpacking one layer tarball safely into a directory;
//   - importer: docker-archive, OCI layout and rootfs imports, exports, and
//     the offline busybox image;
//   - process: an image config turned into the OCI process of a container;
//   - snapshot (lab 05): layers unpacked once and stacked with overlayfs into
//     a container's rootfs.
package image
