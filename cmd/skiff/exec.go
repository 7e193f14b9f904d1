package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"

	"github.com/skiffrun/skiff/runtime/container"
)

// execFlags are runc's exec flags; -i is accepted for Docker habits.
type execFlags struct {
	process, cwd, user, consoleSocket, pidFile string
	env, caps                                  []string
	gids                                       []int
	tty, detach, noNewPrivs, interactive       bool
}

func newExecCmd(opts *globalOptions) *cobra.Command {
	var f execFlags
	cmd := &cobra.Command{
		Use:   "exec [flags] ID [COMMAND [ARG...]]",
		Short: "Run a process in a running container",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := container.Load(opts.root, args[0])
			if err != nil {
				return err
			}
			p, err := f.buildProcess(st.Spec, args[1:])
			if err != nil {
				return err
			}
			code, err := opts.runtime().Exec(cmd.Context(), args[0], container.ExecOptions{
				Process: p, Detach: f.detach, PidFile: f.pidFile, ConsoleSocket: f.consoleSocket,
			})
			if err != nil {
				return err
			}
			return exitWith(code)
		},
	}
	fl := cmd.Flags()
	fl.SetInterspersed(false) // flags after the first argument belong to the command
	fl.StringVarP(&f.process, "process", "p", "", "path to a process.json (runtime-spec Process) to run")
	fl.StringVar(&f.cwd, "cwd", "", "working directory")
	fl.StringVarP(&f.user, "user", "u", "", "UID[:GID] to run as")
	fl.IntSliceVarP(&f.gids, "additional-gids", "g", nil, "additional group ids")
	fl.StringArrayVarP(&f.env, "env", "e", nil, "set an environment variable (KEY=VALUE)")
	fl.StringArrayVarP(&f.caps, "cap", "c", nil, "add a capability to the bounding, effective and permitted sets")
	fl.BoolVarP(&f.tty, "tty", "t", false, "allocate a terminal")
	fl.BoolVarP(&f.interactive, "interactive", "i", false, "keep stdin open (always; for Docker habits)")
	fl.BoolVarP(&f.detach, "detach", "d", false, "do not wait for the process")
	fl.BoolVar(&f.noNewPrivs, "no-new-privs", false, "set no_new_privs for the process")
	fl.StringVar(&f.consoleSocket, "console-socket", "", "unix socket that receives the pty master")
	fl.StringVar(&f.pidFile, "pid-file", "", "write the process's pid to this file")
	return cmd
}

// buildProcess is runc's rule: a process.json as given, or the container's
// own process with args, env, cwd, user, caps and terminal overridden.
func (f *execFlags) buildProcess(s *specs.Spec, args []string) (*specs.Process, error) {
	if f.process != "" {
		data, err := os.ReadFile(f.process)
		if err != nil {
			return nil, fmt.Errorf("--process: %w", err)
		}
		var p specs.Process
		if err := json.Unmarshal(data, &p); err != nil {
			return nil, fmt.Errorf("--process %s: %w", f.process, err)
		}
		return &p, nil
	}
	if len(args) == 0 {
		return nil, errors.New("exec: give a COMMAND or --process")
	}
	p := *s.Process
	p.Args, p.Terminal = args, f.tty
	p.Env = append(append([]string{}, p.Env...), f.env...)
	p.NoNewPrivileges = p.NoNewPrivileges || f.noNewPrivs
	if f.cwd != "" {
		p.Cwd = f.cwd
	}
	if err := f.applyUser(&p); err != nil {
		return nil, err
	}
	if p.Capabilities != nil && len(f.caps) > 0 {
		c := *p.Capabilities
		c.Bounding = append(append([]string{}, c.Bounding...), f.caps...)
		c.Effective = append(append([]string{}, c.Effective...), f.caps...)
		c.Permitted = append(append([]string{}, c.Permitted...), f.caps...)
		p.Capabilities = &c
	}
	return &p, nil
}

func (f *execFlags) applyUser(p *specs.Process) error {
	for _, g := range f.gids {
		p.User.AdditionalGids = append(p.User.AdditionalGids, uint32(g))
	}
	if f.user == "" {
		return nil
	}
	uid, gid, hasGid := strings.Cut(f.user, ":")
	u, err := strconv.ParseUint(uid, 10, 32)
	if err != nil {
		return fmt.Errorf("--user %q: want UID[:GID] as numbers", f.user)
	}
	p.User.UID, p.User.GID = uint32(u), 0
	if hasGid {
		g, err := strconv.ParseUint(gid, 10, 32)
		if err != nil {
			return fmt.Errorf("--user %q: want UID[:GID] as numbers", f.user)
		}
		p.User.GID = uint32(g)
	}
	return nil
}
