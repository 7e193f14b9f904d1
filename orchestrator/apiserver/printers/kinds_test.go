package printers

import (
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func ptr[T any](v T) *T { return &v }

var template = corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
	{Name: "web", Image: "nginx:1.27"}, {Name: "log", Image: "busybox"}}}}

var appSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}

func TestKinds(t *testing.T) {
	cases := []struct {
		name    string
		obj     runtime.Object
		columns []string
		cells   []any
	}{
		{"deployment", &appsv1.Deployment{ObjectMeta: om("web", 3*time.Hour),
			Spec:   appsv1.DeploymentSpec{Replicas: ptr(int32(3)), Selector: appSelector, Template: template},
			Status: appsv1.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 3, AvailableReplicas: 2}},
			[]string{"Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"},
			[]any{"web", "2/3", int64(3), int64(2), "3h", "web,log", "nginx:1.27,busybox", "app=web"}},
		{"replicaset", &appsv1.ReplicaSet{ObjectMeta: om("web-5d9", 26*time.Hour),
			Spec:   appsv1.ReplicaSetSpec{Replicas: ptr(int32(2)), Selector: appSelector, Template: template},
			Status: appsv1.ReplicaSetStatus{Replicas: 2, ReadyReplicas: 1}},
			[]string{"Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"},
			[]any{"web-5d9", int64(2), int64(2), int64(1), "26h", "web,log", "nginx:1.27,busybox", "app=web"}},
		{"daemonset", &appsv1.DaemonSet{ObjectMeta: om("agent", 50*time.Hour),
			Spec: appsv1.DaemonSetSpec{Selector: appSelector, Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				NodeSelector: map[string]string{"kubernetes.io/os": "linux"}, Containers: []corev1.Container{{Name: "a", Image: "agent:1"}}}}},
			Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2, UpdatedNumberScheduled: 3, NumberAvailable: 2}},
			[]string{"Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "Containers", "Images", "Selector"},
			[]any{"agent", int64(3), int64(3), int64(2), int64(3), int64(2), "kubernetes.io/os=linux", "2d2h", "a", "agent:1", "app=web"}},
		{"statefulset", &appsv1.StatefulSet{ObjectMeta: om("db", 10*time.Minute),
			Spec: appsv1.StatefulSetSpec{Replicas: ptr(int32(3)), Template: template}, Status: appsv1.StatefulSetStatus{ReadyReplicas: 3}},
			[]string{"Name", "Ready", "Age", "Containers", "Images"},
			[]any{"db", "3/3", "10m", "web,log", "nginx:1.27,busybox"}},
		{"job running", &batchv1.Job{ObjectMeta: om("pi", 2*time.Minute),
			Spec:   batchv1.JobSpec{Completions: ptr(int32(4)), Selector: appSelector, Template: template},
			Status: batchv1.JobStatus{Succeeded: 1, StartTime: ptr(ago(90 * time.Second))}},
			[]string{"Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"},
			[]any{"pi", "Running", "1/4", "90s", "2m", "web,log", "nginx:1.27,busybox", "app=web"}},
		{"job complete", &batchv1.Job{ObjectMeta: om("pi", time.Hour),
			Spec: batchv1.JobSpec{Parallelism: ptr(int32(2)), Template: template},
			Status: batchv1.JobStatus{Succeeded: 1, StartTime: ptr(ago(time.Hour)), CompletionTime: ptr(ago(59 * time.Minute)),
				Conditions: []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}}},
			nil, []any{"pi", "Complete", "1/1 of 2", "60s", "60m", "web,log", "nginx:1.27,busybox", "<none>"}},
		{"job failed", &batchv1.Job{ObjectMeta: om("pi", time.Hour), Spec: batchv1.JobSpec{Template: template},
			Status: batchv1.JobStatus{Conditions: []batchv1.JobCondition{{Type: batchv1.JobFailed, Status: corev1.ConditionTrue}}}},
			nil, []any{"pi", "Failed", "0/1", "", "60m", "web,log", "nginx:1.27,busybox", "<none>"}},
		{"cronjob", &batchv1.CronJob{ObjectMeta: om("backup", 72*time.Hour),
			Spec: batchv1.CronJobSpec{Schedule: "*/5 * * * *", Suspend: ptr(false),
				JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: template}}},
			Status: batchv1.CronJobStatus{Active: []corev1.ObjectReference{{Name: "backup-1"}}, LastScheduleTime: ptr(ago(3 * time.Minute))}},
			[]string{"Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers", "Images", "Selector"},
			[]any{"backup", "*/5 * * * *", "<none>", "False", int64(1), "3m", "3d", "web,log", "nginx:1.27,busybox", "<none>"}},
		{"controllerrevision", &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: "agent-7c", CreationTimestamp: ago(time.Hour),
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "agent", Controller: ptr(true)}}}, Revision: 2},
			[]string{"Name", "Controller", "Revision", "Age"},
			[]any{"agent-7c", "daemonset.apps/agent", int64(2), "60m"}},
		{"service clusterip", &corev1.Service{ObjectMeta: om("web", 4*time.Hour), Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.96.0.10", ClusterIPs: []string{"10.96.0.10"},
			Ports:    []corev1.ServicePort{{Port: 53, Protocol: corev1.ProtocolUDP}, {Port: 53, Protocol: corev1.ProtocolTCP}},
			Selector: map[string]string{"app": "dns"}}},
			[]string{"Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"},
			[]any{"web", "ClusterIP", "10.96.0.10", "<none>", "53/UDP,53/TCP", "4h", "app=dns"}},
		{"service nodeport", &corev1.Service{ObjectMeta: om("web", time.Hour), Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeNodePort, ClusterIPs: []string{"10.96.1.2"},
			Ports: []corev1.ServicePort{{Port: 80, NodePort: 30080, Protocol: corev1.ProtocolTCP}}}},
			nil, []any{"web", "NodePort", "10.96.1.2", "<none>", "80:30080/TCP", "60m", "<none>"}},
		{"service loadbalancer pending", &corev1.Service{ObjectMeta: om("lb", time.Hour), Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeLoadBalancer, ClusterIPs: []string{"10.96.1.3"}}},
			nil, []any{"lb", "LoadBalancer", "10.96.1.3", "<pending>", "<none>", "60m", "<none>"}},
		{"service loadbalancer", &corev1.Service{ObjectMeta: om("lb", time.Hour), Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeLoadBalancer, ClusterIPs: []string{"10.96.1.3"}},
			Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{IP: "192.0.2.7"}}}}},
			nil, []any{"lb", "LoadBalancer", "10.96.1.3", "192.0.2.7", "<none>", "60m", "<none>"}},
		{"service externalname", &corev1.Service{ObjectMeta: om("ext", time.Hour), Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeExternalName, ExternalName: "example.com"}},
			nil, []any{"ext", "ExternalName", "<none>", "example.com", "<none>", "60m", "<none>"}},
		{"endpoints", &corev1.Endpoints{ObjectMeta: om("web", time.Hour), Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: "10.88.0.2"}, {IP: "10.88.0.3"}, {IP: "10.88.0.4"}, {IP: "10.88.0.5"}},
			Ports:     []corev1.EndpointPort{{Port: 8080}}}}},
			[]string{"Name", "Endpoints", "Age"},
			[]any{"web", "10.88.0.2:8080,10.88.0.3:8080,10.88.0.4:8080 + 1 more...", "60m"}},
		{"endpoints empty", &corev1.Endpoints{ObjectMeta: om("web", time.Hour)}, nil, []any{"web", "<none>", "60m"}},
		{"endpointslice", &discoveryv1.EndpointSlice{ObjectMeta: om("web-abc", time.Hour), AddressType: discoveryv1.AddressTypeIPv4,
			Ports:     []discoveryv1.EndpointPort{{Port: ptr(int32(8080))}, {Name: ptr("metrics")}},
			Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.88.0.2"}}, {Addresses: []string{"10.88.0.3"}}}},
			[]string{"Name", "AddressType", "Ports", "Endpoints", "Age"},
			[]any{"web-abc", "IPv4", "8080,metrics", "10.88.0.2,10.88.0.3", "60m"}},
		{"endpointslice empty", &discoveryv1.EndpointSlice{ObjectMeta: om("web-abc", time.Hour), AddressType: discoveryv1.AddressTypeIPv6},
			nil, []any{"web-abc", "IPv6", "<unset>", "<unset>", "60m"}},
		{"ingress", &networkingv1.Ingress{ObjectMeta: om("web", time.Hour), Spec: networkingv1.IngressSpec{
			IngressClassName: ptr("skiff"), TLS: []networkingv1.IngressTLS{{Hosts: []string{"a.example"}}},
			Rules: []networkingv1.IngressRule{{Host: "a.example"}, {Host: "b.example"}}},
			Status: networkingv1.IngressStatus{LoadBalancer: networkingv1.IngressLoadBalancerStatus{Ingress: []networkingv1.IngressLoadBalancerIngress{{IP: "192.0.2.1"}}}}},
			[]string{"Name", "Class", "Hosts", "Address", "Ports", "Age"},
			[]any{"web", "skiff", "a.example,b.example", "192.0.2.1", "80, 443", "60m"}},
		{"ingress catch-all", &networkingv1.Ingress{ObjectMeta: om("web", time.Hour)},
			nil, []any{"web", "<none>", "*", "", "80", "60m"}},
		{"ingressclass", &networkingv1.IngressClass{ObjectMeta: om("skiff", time.Hour), Spec: networkingv1.IngressClassSpec{
			Controller: "skiff.dev/ingress", Parameters: &networkingv1.IngressClassParametersReference{APIGroup: ptr("k8s.example.com"), Kind: "IngressParameters", Name: "p"}}},
			[]string{"Name", "Controller", "Parameters", "Age"},
			[]any{"skiff", "skiff.dev/ingress", "IngressParameters.k8s.example.com/p", "60m"}},
		{"namespace", &corev1.Namespace{ObjectMeta: om("default", 400*24*time.Hour), Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}},
			[]string{"Name", "Status", "Age"}, []any{"default", "Active", "400d"}},
		{"node", &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", CreationTimestamp: ago(time.Hour),
			Labels: map[string]string{"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/worker": "", "kubernetes.io/role": "worker"}},
			Spec: corev1.NodeSpec{Unschedulable: true},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
				Addresses: []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: "n1"}, {Type: corev1.NodeInternalIP, Address: "192.168.1.10"}},
				NodeInfo:  corev1.NodeSystemInfo{KubeletVersion: "v1.37.2+skiff", OSImage: "Debian GNU/Linux 13", KernelVersion: "6.12.0", ContainerRuntimeVersion: "skiff://0.1.0"}}},
			[]string{"Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"},
			[]any{"n1", "Ready,SchedulingDisabled", "control-plane,worker", "60m", "v1.37.2+skiff", "192.168.1.10", "<none>", "Debian GNU/Linux 13", "6.12.0", "skiff://0.1.0"}},
		{"node not ready", &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n2", CreationTimestamp: ago(time.Hour)},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionUnknown}}}},
			nil, []any{"n2", "NotReady", "<none>", "60m", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"}},
		{"node without conditions", &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n3", CreationTimestamp: ago(time.Hour)}},
			nil, []any{"n3", "Unknown", "<none>", "60m", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"}},
		{"configmap", &corev1.ConfigMap{ObjectMeta: om("cfg", time.Hour), Data: map[string]string{"a": "1", "b": "2"}, BinaryData: map[string][]byte{"c": {1}}},
			[]string{"Name", "Data", "Age"}, []any{"cfg", int64(3), "60m"}},
		{"secret", &corev1.Secret{ObjectMeta: om("tls", time.Hour), Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": nil, "tls.key": nil}},
			[]string{"Name", "Type", "Data", "Age"}, []any{"tls", "kubernetes.io/tls", int64(2), "60m"}},
		{"serviceaccount", &corev1.ServiceAccount{ObjectMeta: om("default", time.Hour)},
			[]string{"Name", "Secrets", "Age"}, []any{"default", int64(0), "60m"}},
		{"event", &corev1.Event{ObjectMeta: om("web.1", time.Hour), Type: "Warning", Reason: "BackOff", Message: " Back-off restarting failed container \n",
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web", FieldPath: "spec.containers{app}"},
			Source:         corev1.EventSource{Component: "kubelet", Host: "n1"}, Count: 7,
			FirstTimestamp: ago(10 * time.Minute), LastTimestamp: ago(30 * time.Second)},
			[]string{"Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"},
			[]any{"30s", "Warning", "BackOff", "pod/web", "spec.containers{app}", "kubelet, n1", "Back-off restarting failed container", "10m", int64(7), "web.1"}},
		{"event new api", &corev1.Event{ObjectMeta: om("web.2", time.Hour), Type: "Normal", Reason: "Scheduled",
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web"}, ReportingController: "skiff-scheduler",
			EventTime: metav1.NewMicroTime(now.Add(-2 * time.Minute))},
			nil, []any{"2m", "Normal", "Scheduled", "pod/web", "", "skiff-scheduler", "", "2m", int64(1), "web.2"}},
		{"persistentvolume", &corev1.PersistentVolume{ObjectMeta: om("pv1", time.Hour), Spec: corev1.PersistentVolumeSpec{
			Capacity:    corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")},
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany, corev1.ReadWriteOnce},
			ClaimRef:    &corev1.ObjectReference{Namespace: "default", Name: "data"}, StorageClassName: "local",
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain},
			Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound}},
			[]string{"Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode"},
			[]any{"pv1", "10Gi", "RWO,RWX", "Retain", "Bound", "default/data", "local", "<unset>", "", "60m", "<unset>"}},
		{"persistentvolumeclaim bound", &corev1.PersistentVolumeClaim{ObjectMeta: om("data", time.Hour),
			Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "pv1", StorageClassName: ptr("local"), VolumeMode: ptr(corev1.PersistentVolumeFilesystem)},
			Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound, AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Capacity: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}}},
			[]string{"Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age", "VolumeMode"},
			[]any{"data", "Bound", "pv1", "10Gi", "RWO", "local", "<unset>", "60m", "Filesystem"}},
		{"persistentvolumeclaim pending", &corev1.PersistentVolumeClaim{ObjectMeta: om("data", time.Hour),
			Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}},
			nil, []any{"data", "Pending", "", "", "", "", "<unset>", "60m", "<unset>"}},
		{"storageclass", &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "local", CreationTimestamp: ago(time.Hour),
			Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
			Provisioner: "skiff.dev/hostpath", VolumeBindingMode: ptr(storagev1.VolumeBindingWaitForFirstConsumer)},
			[]string{"Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"},
			[]any{"local (default)", "skiff.dev/hostpath", "Delete", "WaitForFirstConsumer", false, "60m"}},
		{"priorityclass", &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "high", CreationTimestamp: ago(time.Hour)},
			Value: 1000000, PreemptionPolicy: ptr(corev1.PreemptLowerPriority)},
			[]string{"Name", "Value", "Global-Default", "Preemption-Policy", "Age"},
			[]any{"high", int64(1000000), false, "PreemptLowerPriority", "60m"}},
		{"lease", &coordinationv1.Lease{ObjectMeta: om("kube-scheduler", time.Hour), Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr("n1_abc")}},
			[]string{"Name", "Holder", "Age"}, []any{"kube-scheduler", "n1_abc", "60m"}},
		{"hpa v2", &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: om("web", time.Hour), Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web"}, MinReplicas: ptr(int32(1)), MaxReplicas: 10,
			Metrics: []autoscalingv2.MetricSpec{
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceCPU,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(int32(50))}}},
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceMemory,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("100Mi"))}}},
				{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("1k"))}}},
			}},
			Status: autoscalingv2.HorizontalPodAutoscalerStatus{CurrentReplicas: 2, CurrentMetrics: []autoscalingv2.MetricStatus{
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU,
					Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr(int32(23))}}}}}},
			[]string{"Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"},
			[]any{"web", "Deployment/web", "cpu: 23%/50%, memory: <unknown>/100Mi + 1 more...", "1", int64(10), int64(2), "60m"}},
		{"hpa v1", &autoscalingv1.HorizontalPodAutoscaler{ObjectMeta: om("web", time.Hour), Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv1.CrossVersionObjectReference{Kind: "Deployment", Name: "web"}, MaxReplicas: 5, TargetCPUUtilizationPercentage: ptr(int32(80))}},
			nil, []any{"web", "Deployment/web", "cpu: <unknown>/80%", "<unset>", int64(5), int64(0), "60m"}},
		{"role", &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "reader", CreationTimestamp: metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))}},
			[]string{"Name", "Created At"}, []any{"reader", "2026-01-02T03:04:05Z"}},
		{"clusterrole", &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "admin", CreationTimestamp: metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))}},
			[]string{"Name", "Created At"}, []any{"admin", "2026-01-02T03:04:05Z"}},
		{"rolebinding", &rbacv1.RoleBinding{ObjectMeta: om("read", time.Hour), RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "reader"},
			Subjects: []rbacv1.Subject{{Kind: "User", Name: "alice"}, {Kind: "User", Name: "bob"}, {Kind: "Group", Name: "devs"},
				{Kind: "ServiceAccount", Namespace: "ci", Name: "builder"}}},
			[]string{"Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"},
			[]any{"read", "Role/reader", "60m", "alice, bob", "devs", "ci:builder"}},
		{"clusterrolebinding", &rbacv1.ClusterRoleBinding{ObjectMeta: om("admins", time.Hour), RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "cluster-admin"},
			Subjects: []rbacv1.Subject{{Kind: "Group", Name: "system:masters"}}},
			nil, []any{"admins", "ClusterRole/cluster-admin", "60m", "", "system:masters", ""}},
		{"limitrange", &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "limits", CreationTimestamp: metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))}},
			[]string{"Name", "Created At"}, []any{"limits", "2026-01-02T03:04:05Z"}},
		{"poddisruptionbudget", &policyv1.PodDisruptionBudget{ObjectMeta: om("web", time.Hour),
			Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr(intstr.FromString("50%"))}, Status: policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 1}},
			[]string{"Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"},
			[]any{"web", "50%", "N/A", int64(1), "60m"}},
		{"networkpolicy", &networkingv1.NetworkPolicy{ObjectMeta: om("deny", time.Hour), Spec: networkingv1.NetworkPolicySpec{PodSelector: *appSelector}},
			[]string{"Name", "Pod-Selector", "Age"}, []any{"deny", "app=web", "60m"}},
		{"networkpolicy all pods", &networkingv1.NetworkPolicy{ObjectMeta: om("deny", time.Hour)},
			nil, []any{"deny", "<none>", "60m"}},
		{"events.k8s.io event", &eventsv1.Event{ObjectMeta: om("web.3", time.Hour), Type: "Normal", Reason: "Pulled", Note: "pulled busybox",
			Regarding: corev1.ObjectReference{Kind: "Pod", Name: "web"}, ReportingController: "skiff-kubelet", ReportingInstance: "n1",
			EventTime: metav1.NewMicroTime(now.Add(-5 * time.Minute)), Series: &eventsv1.EventSeries{Count: 4, LastObservedTime: metav1.NewMicroTime(now.Add(-time.Minute))}},
			[]string{"Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"},
			[]any{"60s", "Normal", "Pulled", "pod/web", "", "skiff-kubelet, n1", "pulled busybox", "5m", int64(4), "web.3"}},
		{"resourcequota", &corev1.ResourceQuota{ObjectMeta: om("quota", time.Hour), Status: corev1.ResourceQuotaStatus{
			Hard: corev1.ResourceList{"pods": resource.MustParse("10"), "requests.cpu": resource.MustParse("2"), "limits.memory": resource.MustParse("2Gi")},
			Used: corev1.ResourceList{"pods": resource.MustParse("3"), "requests.cpu": resource.MustParse("500m")}}},
			[]string{"Name", "Age", "Request", "Limit"},
			[]any{"quota", "60m", "pods: 3/10, requests.cpu: 500m/2", "limits.memory: 0/2Gi"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			table, err := Table(c.obj, Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if c.columns != nil {
				if got := columnNames(table); !reflect.DeepEqual(got, c.columns) {
					t.Errorf("columns = %q\nwant      %q", got, c.columns)
				}
			}
			if got := table.Rows[0].Cells; !reflect.DeepEqual(got, c.cells) {
				t.Errorf("cells = %#v\nwant    %#v", got, c.cells)
			}
		})
	}
}
