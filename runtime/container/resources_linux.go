package container

import (
	"context"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffrun/skiff/cgroups"
)

// cgroupOfID loads a container and its cgroup, for the commands that
// read or change it (stats, ps, update).
func (rt *Runtime) cgroupOfID(id, verb string) (*State, cgroups.Manager, error) {
	st, err := Load(rt.Root, id)
	if err != nil {
		return nil, nil, err
	}
	m, err := cgroupOf(st, rt.Log)
	if err != nil {
		return nil, nil, fmt.Errorf("%s container %s: %w", verb, id, err)
	}
	if m == nil {
		return nil, nil, fmt.Errorf("%s container %s: %w: it has no cgroup", verb, id, ErrState)
	}
	return st, m, nil
}

// Stats reads a container's usage from its cgroup.
func (rt *Runtime) Stats(id string) (*cgroups.Stats, error) {
	_, m, err := rt.cgroupOfID(id, "stats of")
	if err != nil {
		return nil, err
	}
	return m.Stats()
}

// Processes lists the pids (as the host sees them) in a container's cgroup.
func (rt *Runtime) Processes(id string) ([]int, error) {
	_, m, err := rt.cgroupOfID(id, "list processes of")
	if err != nil {
		return nil, err
	}
	return m.PIDs()
}

// Update changes a running container's limits and records them in its
// config, as runc update does.
func (rt *Runtime) Update(ctx context.Context, id string, r *specs.LinuxResources) error {
	st, m, err := rt.cgroupOfID(id, "update")
	if err != nil {
		return err
	}
	if status := st.Status(); status == Stopped {
		return fmt.Errorf("update container %s: %w: it is stopped", id, ErrState)
	}
	if err := m.Update(r); err != nil {
		return fmt.Errorf("update container %s: %w", id, err)
	}
	st.Spec.Linux.Resources = mergeResources(st.Spec.Linux.Resources, r)
	return st.save()
}

// mergeResources lays the set fields of update over old.
func mergeResources(old, update *specs.LinuxResources) *specs.LinuxResources {
	if old == nil {
		return update
	}
	out := *old
	if update.Memory != nil {
		out.Memory = update.Memory
	}
	if update.CPU != nil {
		out.CPU = update.CPU
	}
	if update.Pids != nil {
		out.Pids = update.Pids
	}
	if update.BlockIO != nil {
		out.BlockIO = update.BlockIO
	}
	if update.Unified != nil {
		out.Unified = update.Unified
	}
	return &out
}
