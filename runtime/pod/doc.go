// Package pod runs Kubernetes Pods on one host without a control plane
// (lab 08: "pods: pause, shared namespaces, init containers, sidecars").
//
// A pod is a sandbox plus containers:
//
//   - the sandbox is a pause process (skiff re-executing itself as
//     `skiff pod-pause`) that owns the pod's new network, IPC and UTS
//     namespaces (and PID namespace with shareProcessNamespace), the pod's
//     one IP address (netns/network) and the pod cgroup;
//   - every container joins the pause process's namespaces through
//     /proc/PAUSE/ns/*, gets its own mount namespace (and PID namespace
//     unless shared), its own overlay rootfs (image/snapshot) and a child
//     cgroup of the pod cgroup.
//
// Read in this order:
//
//   - manifest.go: a Pod manifest read strictly and validated by a pure
//     function (every error names its field path; unsupported fields are
//     refused by name);
//   - plan.go: one container of the manifest turned into an OCI spec
//     (namespaces, mounts, env, resources, security context), pure;
//   - backoff.go and sync.go: the restart rules (init containers in order,
//     sidecars, restartPolicy, exponential back-off), pure decisions;
//   - sandbox_linux.go and pause_linux.go: the sandbox;
//   - runtime_linux.go: an API shaped after CRI's RuntimeService
//     (RunPodSandbox, CreateContainer, StartContainer, ...);
//   - monitor_linux.go: the per-pod monitor process (`skiff pod-monitor`)
//     that is the parent of the pod's containers, writes their logs in the
//     CRI format (crilog.go) and restarts them.
//
// State of a pod lives under <root>/pods/<name>/ (status.json, logs/,
// containers/, etc/), its emptyDir volumes under
// <data-dir>/pods/<name>/volumes/.
//
// What happens when a piece dies:
//
//   - the pause process: the monitor stops every container (grace period
//     honoured), removes the sandbox and marks the pod Failed with reason
//     SandboxExited; Kubernetes would recreate the sandbox, skiff does not;
//   - the monitor: the containers and the pause process keep running, but
//     nobody restarts containers or collects exit codes any more, and a
//     container writing to stdout gets EPIPE; `skiff pod ls` shows the pod
//     as Unknown and `skiff pod rm -f` removes everything from the state
//     on disk.
package pod
