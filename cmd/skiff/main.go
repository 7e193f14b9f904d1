// Command skiff is the one binary of the project: the Docker-style CLI, the
// runc-compatible OCI runtime (also reachable as "skiff-runc" through a link),
// the container init that the runtime re-executes, and every control-plane
// component. Commands are thin: flags -> a Config -> one package call.
package main

import (
	"os"
	"path/filepath"
)

func main() {
	os.Exit(run(os.Args))
}

// run builds the command tree that argv[0] asks for and executes it. Invoked
// as "skiff-runc" (or "runc"), the binary speaks runc's command line only.
func run(args []string) int {
	name := filepath.Base(args[0])
	root, opts := newSkiffCmd()
	if name == "skiff-runc" || name == "runc" {
		root, opts = newRuncCmd(name)
	}
	root.SetArgs(args[1:])
	cmd, err := root.ExecuteC()
	if err != nil {
		return exitCode(cmd, opts, err)
	}
	return 0
}
