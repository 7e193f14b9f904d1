// Command skiff is the one binary of the project: the Docker-style CLI, the
// runc-compatible OCI runtime (also reachable as "skiff-runc" through a link),
// the container init that the runtime re-executes, and every control-plane
// component. Commands are thin: flags -> a Config -> one package call.
//
// The same source also builds a runc-only variant, with the build tag
// skiff_runc (`make build` writes it to bin/skiff-runc): every file that
// links the image store, networks, pods or the control plane carries
// "//go:build !skiff_runc", so the variant holds just the OCI runtime
// commands and the init. It exists for speed: Go runs the package
// initializers of everything linked before main, and the full binary's
// (client-go schemes, etcd, the API server) cost about 22 ms and 40 MB in
// every process, the runtime and each container's re-executed init alike;
// the variant starts in under 1 ms. containerd, podman and the OCI
// validation suite should be pointed at it.
package main

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run(os.Args))
}

// run builds the command tree that argv[0] asks for and executes it. Invoked
// as "skiff-runc" (or "runc"), or built runc-only, the binary speaks runc's
// command line only.
func run(args []string) int {
	var root *cobra.Command
	var opts *globalOptions
	if name := filepath.Base(args[0]); runcOnly || name == "skiff-runc" || name == "runc" {
		root, opts = newRuncCmd(name)
	} else {
		root, opts = newSkiffCmd()
	}
	root.SetArgs(args[1:])
	cmd, err := root.ExecuteC()
	if err != nil {
		return exitCode(cmd, opts, err)
	}
	return 0
}
