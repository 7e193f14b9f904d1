package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	"github.com/spf13/cobra"

	"github.com/skiffrun/skiff/cgroups"
	"github.com/skiffrun/skiff/runtime/caps"
	"github.com/skiffrun/skiff/runtime/mount"
	"github.com/skiffrun/skiff/runtime/namespace"
)

// runc's informational commands: ps, events, features, update.

func newOCIPsCmd(opts *globalOptions) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "ps [--format table|json] ID",
		Short: "List the processes of a container (host pids)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pids, err := opts.runtime().Processes(args[0])
			if err != nil {
				return err
			}
			switch format {
			case "json":
				return json.NewEncoder(cmd.OutOrStdout()).Encode(pids)
			case "table":
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 8, 2, ' ', 0)
				fmt.Fprintln(w, "PID\tCMD")
				for _, p := range pids {
					data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
					fmt.Fprintf(w, "%d\t%s\n", p, strings.TrimSpace(strings.ReplaceAll(string(data), "\x00", " ")))
				}
				return w.Flush()
			}
			return fmt.Errorf("--format %q: must be table or json", format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "table or json")
	return cmd
}

// statsEvent is runc's `events --stats` document, with the fields skiff
// reads from the cgroup.
type statsEvent struct {
	Type string         `json:"type"`
	ID   string         `json:"id"`
	Data map[string]any `json:"data"`
}

func toEvent(id string, s *cgroups.Stats) statsEvent {
	return statsEvent{Type: "stats", ID: id, Data: map[string]any{
		"cpu": map[string]any{
			"usage":      map[string]uint64{"total": s.CPU.UsageNanos, "user": s.CPU.UserNanos, "kernel": s.CPU.SystemNanos},
			"throttling": map[string]uint64{"periods": s.CPU.Periods, "throttledPeriods": s.CPU.ThrottledPeriods, "throttledTime": s.CPU.ThrottledNanos},
		},
		"memory": map[string]any{"usage": map[string]uint64{"usage": s.Memory.Usage, "limit": s.Memory.Limit, "max": s.Memory.MaxUsage, "failcnt": s.Memory.LimitHits}, "oomKills": s.Memory.OOMKills},
		"pids":   map[string]uint64{"current": s.Pids.Current, "limit": s.Pids.Limit},
		"blkio":  s.IO,
	}}
}

func newEventsCmd(opts *globalOptions) *cobra.Command {
	var stats bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "events [--stats] [--interval 5s] ID",
		Short: "Print a container's resource usage as JSON (once with --stats, else every interval)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt := opts.runtime()
			enc := json.NewEncoder(cmd.OutOrStdout())
			for {
				s, err := rt.Stats(args[0])
				if err != nil {
					return err
				}
				if err := enc.Encode(toEvent(args[0], s)); err != nil || stats {
					return err
				}
				select {
				case <-cmd.Context().Done():
					return nil
				case <-time.After(interval):
				}
			}
		},
	}
	cmd.Flags().BoolVar(&stats, "stats", false, "print the statistics once and exit")
	cmd.Flags().DurationVar(&interval, "interval", 5*time.Second, "time between statistics")
	return cmd
}

func newFeaturesCmd(opts *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "features",
		Short: "Print what this runtime supports (the runtime-spec features document)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return printJSON(cmd, runtimeFeatures())
		},
	}
}

func runtimeFeatures() features.Features {
	yes, no := true, false
	var capNames []string
	if last, err := caps.LastCap(); err == nil {
		for i := 0; i <= last; i++ {
			capNames = append(capNames, caps.Name(i))
		}
	}
	return features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"},
		MountOptions:  mount.Names(),
		Linux: &features.Linux{
			Namespaces:   namespace.Types(),
			Capabilities: capNames,
			Cgroup:       &features.Cgroup{V1: &yes, V2: &yes, Systemd: &no, SystemdUser: &no, Rdma: &yes},
			Seccomp: &features.Seccomp{Enabled: &yes,
				Actions:   []string{"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"},
				Operators: []string{"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"},
				Archs:     []string{"SCMP_ARCH_X86", "SCMP_ARCH_X86_64"}},
			Apparmor: &features.Apparmor{Enabled: &no},
			Selinux:  &features.Selinux{Enabled: &no},
		},
	}
}

// updateFlags are runc update's flags.
type updateFlags struct {
	resources, memory, memorySwap, memoryReservation, cpusetCpus, cpusetMems string
	cpuPeriod, cpuShares                                                     uint64
	cpuQuota, pidsLimit                                                      int64
	blkioWeight                                                              uint16
}

func newUpdateCmd(opts *globalOptions) *cobra.Command {
	var f updateFlags
	cmd := &cobra.Command{
		Use:   "update [flags] ID",
		Short: "Change a running container's limits",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := f.build(cmd)
			if err != nil {
				return err
			}
			return opts.runtime().Update(cmd.Context(), args[0], r)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.resources, "resources", "r", "", "a JSON file of linux.resources (- for stdin)")
	fl.StringVar(&f.memory, "memory", "", "memory limit in bytes (or 64m)")
	fl.StringVar(&f.memorySwap, "memory-swap", "", "memory plus swap limit (-1 unlimited)")
	fl.StringVar(&f.memoryReservation, "memory-reservation", "", "memory soft limit")
	fl.StringVar(&f.cpusetCpus, "cpuset-cpus", "", "CPUs to use (0-1)")
	fl.StringVar(&f.cpusetMems, "cpuset-mems", "", "memory nodes to use")
	fl.Uint64Var(&f.cpuPeriod, "cpu-period", 0, "CPU CFS period in microseconds")
	fl.Int64Var(&f.cpuQuota, "cpu-quota", 0, "CPU CFS quota in microseconds")
	fl.Uint64Var(&f.cpuShares, "cpu-share", 0, "CPU shares (relative weight)")
	fl.Int64Var(&f.pidsLimit, "pids-limit", 0, "maximum number of processes")
	fl.Uint16Var(&f.blkioWeight, "blkio-weight", 0, "block I/O weight (10-1000)")
	return cmd
}

// build reads -r, or the flags that were given (and only those).
func (f *updateFlags) build(cmd *cobra.Command) (*specs.LinuxResources, error) {
	var r specs.LinuxResources
	if f.resources != "" {
		data, err := readFileOrStdin(f.resources)
		if err != nil {
			return nil, fmt.Errorf("--resources: %w", err)
		}
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("--resources %s: %w", f.resources, err)
		}
		return &r, nil
	}
	set := cmd.Flags().Changed
	mem := &specs.LinuxMemory{}
	for name, dst := range map[string]**int64{"memory": &mem.Limit, "memory-swap": &mem.Swap, "memory-reservation": &mem.Reservation} {
		if set(name) {
			v, err := parseBytes(map[string]string{"memory": f.memory, "memory-swap": f.memorySwap, "memory-reservation": f.memoryReservation}[name])
			if err != nil {
				return nil, fmt.Errorf("--%s: %w", name, err)
			}
			*dst = &v
			r.Memory = mem
		}
	}
	f.cpu(&r, set)
	if set("pids-limit") {
		r.Pids = &specs.LinuxPids{Limit: &f.pidsLimit}
	}
	if set("blkio-weight") {
		r.BlockIO = &specs.LinuxBlockIO{Weight: &f.blkioWeight}
	}
	return &r, nil
}

func (f *updateFlags) cpu(r *specs.LinuxResources, set func(string) bool) {
	c := &specs.LinuxCPU{}
	any := false
	if set("cpu-period") {
		c.Period, any = &f.cpuPeriod, true
	}
	if set("cpu-quota") {
		c.Quota, any = &f.cpuQuota, true
	}
	if set("cpu-share") {
		c.Shares, any = &f.cpuShares, true
	}
	if set("cpuset-cpus") {
		c.Cpus, any = f.cpusetCpus, true
	}
	if set("cpuset-mems") {
		c.Mems, any = f.cpusetMems, true
	}
	if any {
		r.CPU = c
	}
}

// parseBytes reads a byte count, -1 (unlimited), or a size such as 64m.
func parseBytes(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	return cgroups.ParseSize(s)
}

func readFileOrStdin(path string) ([]byte, error) {
	if path == "-" {
		return os.ReadFile("/dev/stdin")
	}
	return os.ReadFile(path)
}
