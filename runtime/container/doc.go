// Package container is the OCI lifecycle on one host: create, start, state,
// kill, delete and run, with state kept in runc's layout (one directory per
// container under the runtime root, default /run/skiff).
//
// Lab 07 ("the OCI bundle and lifecycle") introduces it; it is also where the
// pieces of labs 01-03 meet. Read in this order:
//
//   - state.go: what is stored per container and how the status (creating,
//     created, running, stopped) is derived from the process, not stored;
//   - create_linux.go: create, as a list of named steps — re-exec skiff as
//     "init" in new namespaces, send it the config, move it into its cgroup
//     (it starts its rootfs meanwhile and waits for "joined" before anything
//     the cgroup must see), wait for "ready";
//   - init_linux.go: the other side, the container's init: rootfs,
//     pivot_root, hostname, then wait on exec.fifo until start;
//   - lifecycle_linux.go: start (open exec.fifo), kill, delete;
//   - run_linux.go: run = create + start + wait, with signal forwarding and
//     an interactive terminal.
//
// The created state works as in runc: after create the container's init is
// already pid 1 inside its namespaces, blocked opening exec.fifo for writing;
// start opens it for reading, which releases the init to exec the program.
package container
