// Package pod runs Kubernetes Pods on one host without a control plane
// (lab 08: "pods: pause, shared namespaces, init containers, sidecars").
//
// A pod is a sandbox plus containers:
//
//   - the sandbox is a pause process (skiff re-executing itself as the
//     hidden `skiff pod-pause`; "pause" is taken by the OCI command that
//     freezes a container) that owns the pod's new network, IPC and UTS
//     namespaces (and PID namespace with shareProcessNamespace), the pod's
//     one IP address (netns/network; hostNetwork pods stay in the host's
//     namespace) and sits in the pod cgroup;
//   - every container joins the pause process's namespaces through
//     /proc/PAUSE/ns/*, gets its own mount namespace (and PID namespace
//     unless shared), its own overlay rootfs (image/snapshot, fresh for
//     every restart, as in Kubernetes) and a child cgroup of the pod cgroup.
//
// Read in this order:
//
//   - manifest.go and unknown.go: a Pod manifest read strictly (unknown
//     fields and fields skiff does not implement are refused with their
//     path), validate.go: every value checked by a pure function before
//     anything is created, e.g. `spec.containers[1].volumeMounts[0].name:
//     not found: "cache"`;
//   - plan.go: one container of the manifest turned into an OCI spec
//     (namespaces, mounts, env with fieldRefs, resources -> cgroup limits,
//     security context), pure;
//   - sync.go and backoff.go: the kubelet's rules as a pure decision (init
//     containers in order, sidecars first and last, restartPolicy,
//     back-off 10 s doubling to 5 min);
//   - sandbox_linux.go, pause_linux.go: the sandbox;
//   - runtime_linux.go, container_linux.go: the API shaped after CRI's
//     RuntimeService: RunPodSandbox, StopPodSandbox, RemovePodSandbox,
//     ListPodSandbox, PodSandboxStatus; CreateContainer, StartContainer,
//     StopContainer, RemoveContainer, ListContainers, ContainerStatus; plus
//     Exec, PortForward and Logs (exec_linux.go, logs.go). The process
//     that starts a container is its parent and learns its exit code;
//   - monitor_linux.go: the per-pod monitor (`skiff pod-monitor`, started
//     in its own session by Run in client_linux.go) that drives that API
//     for one manifest: it is the parent of the pod's containers, writes
//     their output in the CRI log format (crilog.go) and restarts them.
//
// Files of a pod, under <root>/pods/<name>/: pod.json (the manifest),
// sandbox.json (what to undo), status.json (phase, IP, containers, exit
// codes, restarts; written by the monitor after every change),
// logs/<container>/<restart>.log, containers/ (the OCI state), etc/ (hosts,
// hostname, resolv.conf bind-mounted into every container), monitor.log.
// emptyDir volumes live under <data-dir>/pods/<name>/volumes/ (a tmpfs
// for medium Memory). Config makes the host namespace, the cgroup parent
// and both directories parameters, which the tests use.
//
// What happens when a piece dies:
//
//   - the pause process: the monitor stops every container (grace period
//     honoured), removes the sandbox and marks the pod Failed with reason
//     SandboxExited; Kubernetes would make a new sandbox, skiff does not;
//   - the monitor: the containers and the pause process keep running, but
//     nobody restarts them or collects exit codes any more, and a container
//     writing to stdout gets EPIPE; `skiff pod ls` shows the pod Unknown
//     (MonitorExited), `skiff pod rm` refuses it and `skiff pod rm -f`
//     removes everything from the state on disk.
//
// Not implemented (refused by field when set): probes, lifecycle hooks,
// configMap/secret/PVC volumes and envFrom (the node agent's, labs 15-19),
// scheduling fields (nodeName, affinity, tolerations, priority), ephemeral
// containers, stdin/tty containers. requests.memory is accepted and used
// for nothing (Kubernetes schedules with it). A privileged container gets every capability and unmasked /proc and
// /sys, but not the host's devices.
package pod
