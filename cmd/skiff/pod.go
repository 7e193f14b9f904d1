//go:build !skiff_runc

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
	"golang.org/x/term"
	corev1 "k8s.io/api/core/v1"

	"github.com/skiffrun/skiff/image/importer"
	"github.com/skiffrun/skiff/image/pull"
	"github.com/skiffrun/skiff/runtime/pod"
)

func init() {
	register(newPodCmd)
	register(newPodPauseCmd)
	register(newPodMonitorCmd)
}

// podFlags are the pod runtime settings every pod command shares.
type podFlags struct {
	hostNetns, cgroupParent string
	backoffBase             time.Duration
}

func (f *podFlags) config(opts *globalOptions) pod.Config {
	self, _ := os.Executable()
	return pod.Config{Root: opts.root, DataDir: opts.dataDir, HostNetns: f.hostNetns, CgroupParent: f.cgroupParent,
		Self: self, Backoff: pod.Backoff{Base: f.backoffBase}}
}

func newPodCmd(opts *globalOptions) *cobra.Command {
	f := &podFlags{}
	cmd := &cobra.Command{
		Use:   "pod",
		Short: "Run Kubernetes Pod manifests directly, without a control plane",
		Long: `A pod is a pause process holding the pod's network, IPC and UTS namespaces
and its IP, plus containers that join them. "skiff pod run -f pod.yaml" starts a
monitor process per pod (its containers' parent: restarts, exit codes, logs) and
returns once the sandbox is up with -d, or follows the logs until the pod ends.`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.hostNetns, "host-netns", os.Getenv("SKIFF_HOST_NETNS"), "network namespace acting as the host (bridges, nftables, hostNetwork pods); default ours")
	pf.StringVar(&f.cgroupParent, "cgroup-parent", os.Getenv("SKIFF_CGROUP_PARENT"), "cgroup holding the pod cgroups (env SKIFF_CGROUP_PARENT; default /skiff on cgroup v2, skiff below ours otherwise)")
	pf.DurationVar(&f.backoffBase, "backoff-base", 0, "first restart back-off (default 10s, doubling up to 5m)")
	pf.MarkHidden("backoff-base")
	cmd.AddCommand(newPodRunCmd(opts, f), newPodLsCmd(opts, f), newPodInspectCmd(opts, f), newPodLogsCmd(opts, f),
		newPodExecCmd(opts, f), newPodStopCmd(opts, f), newPodRmCmd(opts, f), newPodPortForwardCmd(opts, f))
	return cmd
}

func newPodRunCmd(opts *globalOptions, f *podFlags) *cobra.Command {
	var file string
	var detach bool
	cmd := &cobra.Command{
		Use:   "run -f POD.yaml [-d]",
		Short: "Run a Pod manifest: validate it, make the sandbox, start the containers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := loadPod(cmd.Context(), opts, file)
			if err != nil {
				return err
			}
			cfg := f.config(opts)
			st, err := pod.Run(cmd.Context(), cfg, p, opts.debug)
			if err != nil {
				return err
			}
			if detach {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\n", st.Name, st.IP)
				return nil
			}
			return followPod(cmd.Context(), cfg, st, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&file, "filename", "f", "", "the Pod manifest (YAML or JSON; - for stdin)")
	cmd.Flags().BoolVarP(&detach, "detach", "d", false, "return once the pod runs, print its name and IP")
	cmd.MarkFlagRequired("filename")
	return cmd
}

// loadPod reads, validates and finds the images of a manifest: any
// problem is reported before anything is created.
func loadPod(ctx context.Context, opts *globalOptions, file string) (*corev1.Pod, error) {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, err
	}
	p, err := pod.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := pod.Validate(p); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	st, err := imageStore(opts)
	if err != nil {
		return nil, err
	}
	find := func(ctx context.Context, name string, never bool) error {
		if never {
			_, err := st.Get(name)
			return err
		}
		_, err := importer.Resolve(ctx, st, name, pull.Options{Log: opts.log})
		return err
	}
	if err := pod.CheckImages(ctx, p, find); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return p, nil
}

// followPod prints every container's log (prefixed with its name when
// there are several) until the pod ends; Ctrl-C stops the pod.
func followPod(ctx context.Context, cfg pod.Config, st *pod.Status, out io.Writer) error {
	ctx, cancel := signal.NotifyContext(ctx, unix.SIGINT, unix.SIGTERM)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range st.Containers {
		w := &prefixWriter{mu: &mu, w: out}
		if len(st.Containers) > 1 {
			w.prefix = "[" + c.Name + "] "
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			pod.Logs(ctx, cfg, st.Name, pod.LogOptions{Container: c.Name, Follow: true}, w)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		stopCtx, stop := context.WithTimeout(context.Background(), 5*time.Minute)
		defer stop()
		if _, err := pod.Stop(stopCtx, cfg, st.Name); err != nil {
			return err
		}
	}
	final, err := pod.Get(cfg, st.Name)
	if err != nil {
		return err
	}
	if final.Phase == corev1.PodSucceeded {
		return nil
	}
	var why []string
	for _, c := range final.Containers {
		if c.State == pod.StateTerminated && c.ExitCode != 0 {
			why = append(why, fmt.Sprintf("%s exited %d", c.Name, c.ExitCode))
		}
	}
	if final.Reason != "" {
		why = append(why, final.Reason)
	}
	return fmt.Errorf("pod %s: %s (%s)", final.Name, final.Phase, strings.Join(why, ", "))
}

// prefixWriter starts every line with prefix.
type prefixWriter struct {
	mu      *sync.Mutex
	w       io.Writer
	prefix  string
	midLine bool
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if l == "" {
			continue
		}
		if !p.midLine {
			l = p.prefix + l
		}
		if _, err := io.WriteString(p.w, l); err != nil {
			return 0, err
		}
		p.midLine = !strings.HasSuffix(l, "\n")
	}
	return len(b), nil
}

func newPodLsCmd(opts *globalOptions, f *podFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list", "ps"},
		Short:   "List pods: NAME PHASE READY RESTARTS IP AGE",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all, err := pod.List(f.config(opts))
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 3, ' ', 0)
			fmt.Fprintln(w, "NAME\tPHASE\tREADY\tRESTARTS\tIP\tAGE")
			for _, st := range all {
				ready, total := st.Ready()
				ip := st.IP
				if ip == "" {
					ip = "<none>"
				}
				fmt.Fprintf(w, "%s\t%s\t%d/%d\t%d\t%s\t%s\n", st.Name, st.Phase, ready, total, st.Restarts(), ip, podAge(st.Created))
			}
			return w.Flush()
		},
	}
}

func podAge(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + "h"
	}
	return strconv.Itoa(int(d.Hours()/24)) + "d"
}

func newPodInspectCmd(opts *globalOptions, f *podFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "inspect POD...",
		Short: "Show pods' status as JSON (phase, IP, containers, exit codes, restarts)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var out []*pod.Status
			for _, name := range args {
				st, err := pod.Get(f.config(opts), name)
				if err != nil {
					return err
				}
				out = append(out, st)
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		},
	}
}

func newPodLogsCmd(opts *globalOptions, f *podFlags) *cobra.Command {
	var o pod.LogOptions
	cmd := &cobra.Command{
		Use:   "logs [-f] [-c CONTAINER] [--previous] POD",
		Short: "Print a container's logs",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signal.NotifyContext(cmd.Context(), unix.SIGINT, unix.SIGTERM)
			defer cancel()
			return pod.Logs(ctx, f.config(opts), args[0], o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVarP(&o.Follow, "follow", "f", false, "keep printing as the container writes, across restarts")
	cmd.Flags().StringVarP(&o.Container, "container", "c", "", "container name (default: the pod's only app container)")
	cmd.Flags().BoolVarP(&o.Previous, "previous", "p", false, "the logs of the previous run of a restarted container")
	return cmd
}

func newPodExecCmd(opts *globalOptions, f *podFlags) *cobra.Command {
	var o pod.ExecOptions
	var interactive bool
	cmd := &cobra.Command{
		Use:   "exec [-it] [-c CONTAINER] POD -- COMMAND [ARG...]",
		Short: "Run a command in a running container of a pod",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Tty && !term.IsTerminal(int(os.Stdin.Fd())) {
				return errors.New("-t: stdin is not a terminal; drop -t")
			}
			o.Args, o.Stdout, o.Stderr = args[1:], os.Stdout, os.Stderr
			if o.Args[0] == "--" {
				o.Args = o.Args[1:]
			}
			if len(o.Args) == 0 {
				return errors.New("exec: give the command after the pod name: skiff pod exec POD -- COMMAND")
			}
			if interactive {
				o.Stdin = os.Stdin
			}
			code, err := pod.Exec(cmd.Context(), f.config(opts), args[0], o)
			if err != nil {
				return err
			}
			return exitWith(code)
		},
	}
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().BoolVarP(&interactive, "stdin", "i", false, "pass stdin to the command")
	cmd.Flags().BoolVarP(&o.Tty, "tty", "t", false, "allocate a terminal")
	cmd.Flags().StringVarP(&o.Container, "container", "c", "", "container name (default: the pod's only app container)")
	return cmd
}

func newPodStopCmd(opts *globalOptions, f *podFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "stop POD...",
		Short: "Stop pods: SIGTERM, the grace period, SIGKILL; keep status and logs",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, name := range args {
				if _, err := pod.Stop(cmd.Context(), f.config(opts), name); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), name)
			}
			return nil
		},
	}
}

func newPodRmCmd(opts *globalOptions, f *podFlags) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:     "rm [-f] POD...",
		Aliases: []string{"remove"},
		Short:   "Remove finished pods (-f: stop running ones first, or clean up after a dead monitor)",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, name := range args {
				rm := pod.Remove
				if force {
					rm = pod.ForceRemove
				}
				if err := rm(cmd.Context(), f.config(opts), name); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), name)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "stop a running pod first; remove a pod whose monitor died")
	return cmd
}

func newPodPortForwardCmd(opts *globalOptions, f *podFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "port-forward POD [LOCAL:]PORT",
		Short: "Forward connections to 127.0.0.1:LOCAL to PORT inside the pod",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			local, remote, ok := strings.Cut(args[1], ":")
			if !ok {
				remote = local
			}
			port, err := strconv.ParseUint(remote, 10, 16)
			if err != nil || port == 0 {
				return fmt.Errorf("port %q: want [LOCAL:]PORT with ports 1-65535", args[1])
			}
			ln, err := net.Listen("tcp", "127.0.0.1:"+local)
			if err != nil {
				return err
			}
			defer ln.Close()
			fmt.Fprintf(cmd.OutOrStdout(), "Forwarding from %s -> %d\n", ln.Addr(), port)
			ctx, cancel := signal.NotifyContext(cmd.Context(), unix.SIGINT, unix.SIGTERM)
			defer cancel()
			go func() { <-ctx.Done(); ln.Close() }()
			for {
				conn, err := ln.Accept()
				if err != nil {
					return nil
				}
				go func() {
					if err := pod.PortForward(ctx, f.config(opts), args[0], uint16(port), conn); err != nil {
						fmt.Fprintln(cmd.ErrOrStderr(), err)
						conn.Close()
					}
				}()
			}
		},
	}
}

// newPauseCmd is the pod sandbox's process (hidden).
func newPodPauseCmd(*globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:    "pod-pause [HOSTNAME]",
		Hidden: true,
		Args:   cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return pod.Pause(strings.Join(args, ""))
		},
	}
}

// newPodMonitorCmd is the per-pod monitor `skiff pod run` starts (hidden).
func newPodMonitorCmd(*globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:    "pod-monitor NAME",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(*cobra.Command, []string) error {
			return pod.MonitorMain()
		},
	}
}
