package namespace

import (
	"fmt"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// flags maps each OCI namespace type to its clone(2) flag.
var flags = map[specs.LinuxNamespaceType]uintptr{
	specs.PIDNamespace:     unix.CLONE_NEWPID,
	specs.NetworkNamespace: unix.CLONE_NEWNET,
	specs.MountNamespace:   unix.CLONE_NEWNS,
	specs.IPCNamespace:     unix.CLONE_NEWIPC,
	specs.UTSNamespace:     unix.CLONE_NEWUTS,
	specs.UserNamespace:    unix.CLONE_NEWUSER,
	specs.CgroupNamespace:  unix.CLONE_NEWCGROUP,
	specs.TimeNamespace:    unix.CLONE_NEWTIME,
}

// procNames maps each type to its file under /proc/PID/ns.
var procNames = map[specs.LinuxNamespaceType]string{
	specs.PIDNamespace:     "pid",
	specs.NetworkNamespace: "net",
	specs.MountNamespace:   "mnt",
	specs.IPCNamespace:     "ipc",
	specs.UTSNamespace:     "uts",
	specs.UserNamespace:    "user",
	specs.CgroupNamespace:  "cgroup",
	specs.TimeNamespace:    "time",
}

// Join is a namespace entered by path rather than created.
type Join struct {
	Type specs.LinuxNamespaceType
	Path string
}

// Plan is what the runtime does with a config's namespaces: create the ones
// in CloneFlags, join the ones in Joins.
type Plan struct {
	CloneFlags uintptr
	Joins      []Join
}

// Types lists the namespace types this runtime knows, sorted, for messages.
func Types() []string {
	out := make([]string, 0, len(flags))
	for t := range flags {
		out = append(out, string(t))
	}
	sort.Strings(out)
	return out
}

// ProcName returns the /proc/PID/ns file name of a namespace type.
func ProcName(t specs.LinuxNamespaceType) string { return procNames[t] }

// Flag returns the clone flag of a namespace type and whether it is known.
func Flag(t specs.LinuxNamespaceType) (uintptr, bool) {
	f, ok := flags[t]
	return f, ok
}

// NewPlan validates the namespaces of a config and splits them into clone
// flags and joins. Joins are ordered so that the mount namespace comes last:
// once a thread is in another mount namespace, host paths no longer resolve.
func NewPlan(nss []specs.LinuxNamespace) (Plan, error) {
	var p Plan
	seen := map[specs.LinuxNamespaceType]bool{}
	for i, ns := range nss {
		f, ok := flags[ns.Type]
		if !ok {
			return Plan{}, fmt.Errorf("linux.namespaces[%d].type %q: unknown; allowed: %s", i, ns.Type, strings.Join(Types(), ", "))
		}
		if seen[ns.Type] {
			return Plan{}, fmt.Errorf("linux.namespaces[%d].type %q: listed twice", i, ns.Type)
		}
		seen[ns.Type] = true
		if ns.Path == "" {
			p.CloneFlags |= f
			continue
		}
		p.Joins = append(p.Joins, Join{Type: ns.Type, Path: ns.Path})
	}
	sort.SliceStable(p.Joins, func(i, j int) bool {
		return p.Joins[j].Type == specs.MountNamespace && p.Joins[i].Type != specs.MountNamespace
	})
	return p, nil
}

// Has reports whether the config creates or joins a namespace of type t.
func Has(nss []specs.LinuxNamespace, t specs.LinuxNamespaceType) bool {
	for _, ns := range nss {
		if ns.Type == t {
			return true
		}
	}
	return false
}
