// Package engine is what `skiff run IMAGE`, ps, logs, stop, rm and inspect
// do: Docker-style containers made of the lower layers — an image from the
// store (image/...), a rootfs snapshot (image/snapshot), a network
// (netns/network) and an OCI container (runtime/container).
//
// Lab 04 is where learners first type `skiff run busybox`, but the package
// composes chapters 04-07, so it belongs to lab 07 in the chapter map. Read
// config.go first (pure: flags -> an OCI config, volumes, resources), then
// engine_linux.go (run, as a list of steps) and manage_linux.go (ps, stop,
// rm, logs).
//
// Where things live:
//
//	<root>/<id>/state.json             the OCI runtime state (runtime/container);
//	                                   the engine's facts ride in its annotations
//	<data-dir>/containers/<id>/        hosts, hostname, resolv.conf, container.log
//	<data-dir>/snapshots/containers/<id>  the overlay rootfs (image/snapshot)
//	<root>/net/...                     the network attachment (netns/network)
//
// A detached container (-d) is watched by a monitor: skiff re-executed as
// "skiff monitor", in its own session, which runs the container with its
// output going to container.log, records the exit status and releases the
// network when the program exits, so the CLI can return at once.
package engine
