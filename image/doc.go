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
//
// On disk, under the data directory (default /var/lib/skiff):
//
//	images/      the store: oci-layout, index.json, blobs/sha256/...
//	snapshots/   unpacked layers and container root filesystems
//
// What `skiff run busybox sh` does on the image side:
//
//	st, _ := store.Open(filepath.Join(dataDir, "images"), log)
//	img, _ := importer.Resolve(ctx, st, "busybox", pull.Options{Log: log})
//	snaps, _ := snapshot.New(dataDir, st, log)
//	rootfs, _ := snaps.Prepare(ctx, containerID, img)   // overlay mounted here
//	proc, _ := process.Process(img.Config.Config, rootfs, process.Overrides{Cmd: []string{"sh"}})
//	// ... the runtime runs proc in new namespaces, pivot_root'ed into rootfs ...
//	snaps.Remove(ctx, containerID)                      // unmount, delete writes
package image
