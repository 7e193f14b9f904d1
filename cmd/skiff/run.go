package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/skiffrun/skiff/runtime/container"
	"github.com/skiffrun/skiff/runtime/spec"
)

func init() { register(newRunCmd) }

// runFlags are the Docker-style flags of `skiff run`.
type runFlags struct {
	name, rootfs, hostname, workdir string
	env                             []string
	rm, interactive, tty, detach    bool
	readOnly                        bool
}

func newRunCmd(opts *globalOptions) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [flags] --rootfs DIR -- COMMAND [ARG...]",
		Short: "Run a command in a new container (Docker-style)",
		Long: `Run a command in a new container built in memory from the flags.

  skiff run --rootfs ./rootfs --rm -- sh -c 'echo $$; hostname'
  skiff run --rootfs ./rootfs -it --rm -- sh`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ro, err := f.options(args)
			if err != nil {
				return err
			}
			code, err := opts.runtime().Run(cmd.Context(), ro)
			if err != nil {
				return err
			}
			if ro.Detach {
				fmt.Fprintln(cmd.OutOrStdout(), ro.ID)
			}
			return exitWith(code)
		},
	}
	fl := cmd.Flags()
	fl.SetInterspersed(false) // flags after the first argument belong to the command
	fl.StringVar(&f.name, "name", "", "container name (default: a random id)")
	fl.StringVar(&f.rootfs, "rootfs", "", "root filesystem directory (required until images are used)")
	fl.StringVar(&f.hostname, "hostname", "", "container hostname (default: the name)")
	fl.StringVarP(&f.workdir, "workdir", "w", "", "working directory inside the container")
	fl.StringArrayVarP(&f.env, "env", "e", nil, "set an environment variable (KEY=VALUE)")
	fl.BoolVar(&f.rm, "rm", false, "remove the container when it exits")
	fl.BoolVarP(&f.interactive, "interactive", "i", false, "keep stdin open (always true here; for Docker compatibility)")
	fl.BoolVarP(&f.tty, "tty", "t", false, "allocate a terminal")
	fl.BoolVarP(&f.detach, "detach", "d", false, "run in the background and print the id")
	fl.BoolVar(&f.readOnly, "read-only", false, "mount the root filesystem read-only")
	return cmd
}

// options checks the flags and builds the run request.
func (f *runFlags) options(args []string) (container.RunOptions, error) {
	if f.rootfs == "" {
		return container.RunOptions{}, errors.New("--rootfs: required: give a root filesystem directory")
	}
	rootfs, err := filepath.Abs(f.rootfs)
	if err != nil {
		return container.RunOptions{}, err
	}
	if st, err := os.Stat(rootfs); err != nil || !st.IsDir() {
		return container.RunOptions{}, fmt.Errorf("--rootfs %s: not a directory", f.rootfs)
	}
	if f.tty && !term.IsTerminal(int(os.Stdin.Fd())) {
		return container.RunOptions{}, errors.New("-t: stdin is not a terminal; drop -t or run from a terminal")
	}
	id := f.name
	if id == "" {
		id = randomID()
	}
	hostname := f.hostname
	if hostname == "" {
		hostname = id
	}
	s := spec.ForRun(spec.RunOptions{Rootfs: rootfs, Args: args, Env: f.env, Cwd: f.workdir, Hostname: hostname, Terminal: f.tty, ReadOnly: f.readOnly})
	return container.RunOptions{
		CreateOptions: container.CreateOptions{ID: id, Spec: s, Rootfs: rootfs, Bundle: rootfs},
		Detach:        f.detach,
		Remove:        f.rm,
	}, nil
}

func randomID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
