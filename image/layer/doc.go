// Package layer unpacks image layers (lab 04): a gzip, zstd or plain tar
// stream turned into a directory tree, completely (files, directories,
// symlinks, hardlinks, devices, fifos, modes, owners, xattrs, mtimes) and
// safely: every path is resolved inside the target directory with
// openat2(RESOLVE_IN_ROOT), so no "..", absolute path, symlink or hardlink in
// a hostile tarball can reach a file outside it.
//
// Whiteouts (.wh.NAME, .wh..wh..opq) are either kept in overlayfs form (a
// 0/0 character device, the trusted.overlay.opaque=y xattr), for a layer
// unpacked into its own snapshot directory, or applied (the lower file
// deleted), for layers flattened into one tree.
//
// Read unpack.go (the loop over tar entries), then root.go (path
// resolution) and entry.go (creating each kind of file).
package layer
