// Package printers renders API objects as the metav1.Table the API server
// returns when a client asks for
// "Accept: application/json;as=Table;v=v1;g=meta.k8s.io", which is what
// `kubectl get` does: the server decides the columns (NAME READY STATUS
// RESTARTS AGE for pods), kubectl only lays them out, shows priority-1
// columns with -o wide, and reads namespace and labels for -A and
// --show-labels from the metadata embedded in each row.
//
// Lab 09 (API objects, etcd, the API server) introduces it. Read
// table.go first (Table, Options, how rows embed objects), then pods.go
// (how READY, STATUS and RESTARTS are worked out from container states:
// Init:0/1, CrashLoopBackOff, Completed, Terminating), then the other
// kinds: workloads.go, network.go, cluster.go, config.go (RBAC too),
// storage.go, autoscaling.go, policy.go (PDBs, network policies,
// events.k8s.io events). Kinds without a printer, custom resources
// included, get NAME AGE.
//
// Use from the API server, after a get or list and before encoding:
//
//	table, err := printers.Table(obj, printers.Options{
//		IncludeObject: metav1.IncludeObjectPolicy(query.Get("includeObject")), // "" means Metadata
//	})
//
// obj is one typed object (*corev1.Pod) or a typed list (*corev1.PodList);
// unstructured objects work too. Options.Now fixes the clock for tests.
package printers
