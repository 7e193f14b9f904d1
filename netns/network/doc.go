// Package network is what the container runtime calls to give a container
// its network, and what `skiff network ...` drives.
//
// Modes (the value of `skiff run --network`):
//
//	bridge (default)  own namespace; a veth pair to the bridge skiff0,
//	                  an address from 10.199.0.0/24, egress masqueraded,
//	                  published ports (-p) DNATed by nftables
//	NAME              the same on a user-defined bridge network
//	host              the host's namespace; nothing to set up
//	none              own namespace with only lo
//	container:NAME    the namespace of another container (Placement
//	                  returns its path; the runtime joins it)
//
// The default subnet 10.199.0.0/24 (user networks get 10.199.N.0/24) was
// chosen to stay clear of the ranges other tools and common networks use:
// Docker's 172.17.0.0/16 and its pools 172.18-31.0.0/16 and 192.168.0.0/16,
// podman's 10.88.0.0/16 and 10.89.0.0/24s, Kubernetes' usual pod and service
// ranges (10.244.0.0/16, 10.96.0.0/12, 10.42-43.0.0/16), AWS's default VPC
// 172.31.0.0/16 and home routers' 192.168.x.0/24 and 10.0.x.0/24. A subnet
// that overlaps a route of the host is refused anyway.
//
// Containers on the same network reach each other by IP and by name: every
// container's /etc/hosts lists its peers, and when the runtime lets skiff
// write the files (AttachConfig.FilesDir) the peers' files are rewritten in
// place whenever a container joins or leaves, so bind mounts see it.
//
// State: leases and attachment records under StateDir (<root>/net, gone
// after a reboot like the containers), user-defined networks under
// ConfigDir (<data-dir>/networks). All of it is changed under one flock.
//
// How the runtime uses it:
//
//	m, _ := network.New(network.Config{StateDir: root + "/net", ConfigDir: data + "/networks"})
//	ports, err := network.ParsePorts(flagP)            // -p values, checked before anything starts
//	place, err := m.Placement(flagNetwork)             // NewNetns: clone with CLONE_NEWNET;
//	                                                   // JoinPath: setns into it; neither: host
//	// start the init, blocked on its sync pipe, then:
//	att, err := m.Attach(ctx, log, network.AttachConfig{ContainerID: id, Name: name,
//		NetnsPath: fmt.Sprintf("/proc/%d/ns/net", pid), Network: flagNetwork, Ports: ports,
//		FilesDir: bundle + "/net"})                    // bind-mount hosts, hostname, resolv.conf
//	// let the init continue; on delete, after the container has exited:
//	err = m.Detach(ctx, log, id)
//
// Attach and Detach are idempotent, and Detach may come after the process
// died: the kernel has then already removed the veth with the namespace.
// If skiff itself crashed in between, Prune (`skiff network prune`) finds
// the attachments whose namespace is gone and cleans them up.
//
// Lab 06 introduces it. Read network.go and mode.go (pure), files.go, then
// manager_linux.go: Attach and Detach are lists of named steps, each one
// explained as an `ip`/`nft`/`sysctl` command when Config.Explain is set.
package network
