// Package testutil holds what the root tests of several packages share: a
// busybox rootfs built from the host's static busybox, the skiff binary, and
// checks that a test left nothing behind. Only tests import it.
package testutil
