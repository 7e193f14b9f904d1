package engine

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffrun/skiff/cgroups"
)

// Annotation keys under which the engine keeps its facts in the OCI state.
const (
	AnnImage   = "run.skiff.image"
	AnnCommand = "run.skiff.command"
	AnnPorts   = "run.skiff.ports"
	AnnNetwork = "run.skiff.network"
	AnnRemove  = "run.skiff.rm"
	AnnStop    = "run.skiff.stop-signal"
)

// RunConfig is a Docker-style run request.
type RunConfig struct {
	Name          string
	Image         string // an image reference, or empty with Rootfs
	Rootfs        string // run on a directory instead of an image
	Cmd           []string
	Entrypoint    []string
	EntrypointSet bool // --entrypoint was given (possibly "")
	Env           []string
	Workdir       string
	User          string
	Hostname      string
	Volumes       []string // HOST:CTR[:ro] or NAME:CTR[:ro]
	ReadOnly      bool
	TTY           bool
	Detach        bool
	Remove        bool
	Ports         []string
	Network       string
	Resources     ResourceFlags
	CgroupParent  string   // --cgroup-parent: where the container's cgroup goes
	Insecure      []string // registries spoken to over plain HTTP
}

// Volume is one parsed -v.
type Volume struct {
	Source   string // host path, or a named volume's directory
	Dest     string
	ReadOnly bool
	Named    string // the volume name when Source was a name
}

// ParseVolume reads -v HOST:CTR[:ro|rw]; a HOST without '/' names a
// volume kept under volumesDir/NAME.
func ParseVolume(v, volumesDir string) (Volume, error) {
	parts := strings.Split(v, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return Volume{}, fmt.Errorf("-v %q: want HOST:CONTAINER[:ro]", v)
	}
	vol := Volume{Source: parts[0], Dest: filepath.Clean(parts[1])}
	if !filepath.IsAbs(vol.Dest) {
		return Volume{}, fmt.Errorf("-v %q: the container path must be absolute", v)
	}
	if len(parts) == 3 {
		switch parts[2] {
		case "ro":
			vol.ReadOnly = true
		case "rw":
		default:
			return Volume{}, fmt.Errorf("-v %q: mode %q: use ro or rw", v, parts[2])
		}
	}
	if !strings.Contains(vol.Source, "/") {
		vol.Named = vol.Source
		vol.Source = filepath.Join(volumesDir, vol.Named, "_data")
	} else if !filepath.IsAbs(vol.Source) {
		return Volume{}, fmt.Errorf("-v %q: the host path must be absolute (or a volume name without '/')", v)
	}
	return vol, nil
}

// Mount is the OCI mount of a volume: a recursive bind, read-only if asked.
func (v Volume) Mount() specs.Mount {
	opts := []string{"rbind", "rprivate"}
	if v.ReadOnly {
		opts = append(opts, "ro")
	}
	return specs.Mount{Destination: v.Dest, Type: "bind", Source: v.Source, Options: opts}
}

// ResourceFlags are Docker's resource flags as typed.
type ResourceFlags struct {
	Memory, MemorySwap string // 64m, 1g, -1 (swap unlimited)
	CPUs               string // 1.5
	CPUShares          int64
	CpusetCPUs         string
	PidsLimit          int64
	BlkioWeight        uint16
}

// Resources turns the flags into OCI resources, nil when none is set.
func (f ResourceFlags) Resources() (*specs.LinuxResources, error) {
	var r specs.LinuxResources
	set := false
	if err := f.memory(&r, &set); err != nil {
		return nil, err
	}
	if err := f.cpu(&r, &set); err != nil {
		return nil, err
	}
	if f.PidsLimit != 0 {
		r.Pids = &specs.LinuxPids{Limit: &f.PidsLimit}
		set = true
	}
	if f.BlkioWeight != 0 {
		if f.BlkioWeight < 10 || f.BlkioWeight > 1000 {
			return nil, fmt.Errorf("--blkio-weight %d: must be 10-1000", f.BlkioWeight)
		}
		r.BlockIO = &specs.LinuxBlockIO{Weight: &f.BlkioWeight}
		set = true
	}
	if !set {
		return nil, nil
	}
	return &r, nil
}

func (f ResourceFlags) memory(r *specs.LinuxResources, set *bool) error {
	if f.Memory == "" {
		if f.MemorySwap != "" {
			return errors.New("--memory-swap: needs --memory as well")
		}
		return nil
	}
	limit, err := cgroups.ParseSize(f.Memory)
	if err != nil || limit < 6<<20 {
		return fmt.Errorf("--memory %q: want a size of at least 6m, such as 64m or 1g", f.Memory)
	}
	r.Memory = &specs.LinuxMemory{Limit: &limit}
	*set = true
	if f.MemorySwap == "" {
		return nil
	}
	swap := int64(-1)
	if f.MemorySwap != "-1" {
		if swap, err = cgroups.ParseSize(f.MemorySwap); err != nil {
			return fmt.Errorf("--memory-swap %q: want a size or -1", f.MemorySwap)
		}
		if swap < limit {
			return fmt.Errorf("--memory-swap %s: is memory plus swap, so it must be at least --memory %s", f.MemorySwap, f.Memory)
		}
	}
	r.Memory.Swap = &swap
	return nil
}

func (f ResourceFlags) cpu(r *specs.LinuxResources, set *bool) error {
	var c specs.LinuxCPU
	if f.CPUs != "" {
		n, err := strconv.ParseFloat(f.CPUs, 64)
		if err != nil || n <= 0 || math.IsInf(n, 0) {
			return fmt.Errorf("--cpus %q: want a positive number such as 0.5 or 2", f.CPUs)
		}
		period := uint64(100000)
		quota := int64(n * float64(period))
		c.Period, c.Quota = &period, &quota
	}
	if f.CPUShares != 0 {
		if f.CPUShares < 2 || f.CPUShares > 262144 {
			return fmt.Errorf("--cpu-shares %d: must be 2-262144", f.CPUShares)
		}
		shares := uint64(f.CPUShares)
		c.Shares = &shares
	}
	c.Cpus = f.CpusetCPUs
	if c.Period == nil && c.Shares == nil && c.Cpus == "" {
		return nil
	}
	r.CPU = &c
	*set = true
	return nil
}

// Fill completes a RunConfig from the command line: IMAGE [COMMAND...], or
// with --rootfs only the COMMAND.
func (rc *RunConfig) Fill(args []string, entrypointSet bool, entrypoint string) error {
	if rc.Rootfs == "" {
		if len(args) == 0 {
			return errors.New("run: give an IMAGE (e.g. busybox) or --rootfs DIR")
		}
		rc.Image, args = args[0], args[1:]
	} else if len(args) == 0 && !entrypointSet {
		return errors.New("run --rootfs: give the COMMAND to run")
	}
	rc.Cmd = args
	if entrypointSet {
		rc.EntrypointSet = true
		if entrypoint != "" {
			rc.Entrypoint = []string{entrypoint}
		}
	}
	return nil
}
