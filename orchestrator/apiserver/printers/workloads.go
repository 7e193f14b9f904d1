package printers

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func registerWorkloads() {
	deploySpec, deployStatus := appsv1.DeploymentSpec{}.SwaggerDoc(), appsv1.DeploymentStatus{}.SwaggerDoc()
	register(columns(append([]metav1.TableColumnDefinition{nameColumn,
		col("Ready", "string", "Number of the pod with ready state"),
		col("Up-to-date", "integer", deployStatus["updatedReplicas"]),
		col("Available", "integer", deployStatus["availableReplicas"]),
		ageColumn}, workloadWide(deploySpec["selector"])...)...), deploymentCells)

	rsSpec, rsStatus := appsv1.ReplicaSetSpec{}.SwaggerDoc(), appsv1.ReplicaSetStatus{}.SwaggerDoc()
	register(columns(append([]metav1.TableColumnDefinition{nameColumn,
		col("Desired", "integer", rsSpec["replicas"]),
		col("Current", "integer", rsStatus["replicas"]),
		col("Ready", "integer", rsStatus["readyReplicas"]),
		ageColumn}, workloadWide(rsSpec["selector"])...)...), replicaSetCells)

	dsSpec, dsStatus := appsv1.DaemonSetSpec{}.SwaggerDoc(), appsv1.DaemonSetStatus{}.SwaggerDoc()
	register(columns(append([]metav1.TableColumnDefinition{nameColumn,
		col("Desired", "integer", dsStatus["desiredNumberScheduled"]),
		col("Current", "integer", dsStatus["currentNumberScheduled"]),
		col("Ready", "integer", dsStatus["numberReady"]),
		col("Up-to-date", "integer", dsStatus["updatedNumberScheduled"]),
		col("Available", "integer", dsStatus["numberAvailable"]),
		col("Node Selector", "string", corev1.PodSpec{}.SwaggerDoc()["nodeSelector"]),
		ageColumn}, workloadWide(dsSpec["selector"])...)...), daemonSetCells)

	stsSpec := appsv1.StatefulSetSpec{}.SwaggerDoc()
	register(columns(append([]metav1.TableColumnDefinition{nameColumn,
		col("Ready", "string", "Number of the pod with ready state"),
		ageColumn}, workloadWide(stsSpec["selector"])[:2]...)...), statefulSetCells)

	jobSpec := batchv1.JobSpec{}.SwaggerDoc()
	register(columns(append([]metav1.TableColumnDefinition{nameColumn,
		col("Status", "string", "Status of the job."),
		col("Completions", "string", batchv1.JobStatus{}.SwaggerDoc()["succeeded"]),
		col("Duration", "string", "Time required to complete the job."),
		ageColumn}, workloadWide(jobSpec["selector"])...)...), jobCells)

	cronSpec, cronStatus := batchv1.CronJobSpec{}.SwaggerDoc(), batchv1.CronJobStatus{}.SwaggerDoc()
	register(columns(append([]metav1.TableColumnDefinition{nameColumn,
		col("Schedule", "string", cronSpec["schedule"]),
		col("Timezone", "string", cronSpec["timeZone"]),
		col("Suspend", "boolean", cronSpec["suspend"]),
		col("Active", "integer", cronStatus["active"]),
		col("Last Schedule", "string", cronStatus["lastScheduleTime"]),
		ageColumn}, workloadWide(jobSpec["selector"])...)...), cronJobCells)

	crDoc := appsv1.ControllerRevision{}.SwaggerDoc()
	register(columns(nameColumn,
		col("Controller", "string", "Controller of the object."),
		col("Revision", "integer", crDoc["revision"]),
		ageColumn), controllerRevisionCells)
}

func replicasOr1(p *int32) int32 {
	if p == nil {
		return 1 // the API server defaults replicas to 1
	}
	return *p
}

func deploymentCells(d *appsv1.Deployment, now time.Time) []any {
	names, images := containersAndImages(d.Spec.Template.Spec)
	return []any{d.Name, fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, replicasOr1(d.Spec.Replicas)),
		int64(d.Status.UpdatedReplicas), int64(d.Status.AvailableReplicas), age(d.CreationTimestamp, now),
		names, images, selector(d.Spec.Selector)}
}

func replicaSetCells(rs *appsv1.ReplicaSet, now time.Time) []any {
	names, images := containersAndImages(rs.Spec.Template.Spec)
	return []any{rs.Name, int64(replicasOr1(rs.Spec.Replicas)), int64(rs.Status.Replicas), int64(rs.Status.ReadyReplicas),
		age(rs.CreationTimestamp, now), names, images, selector(rs.Spec.Selector)}
}

func daemonSetCells(ds *appsv1.DaemonSet, now time.Time) []any {
	names, images := containersAndImages(ds.Spec.Template.Spec)
	s := ds.Status
	return []any{ds.Name, int64(s.DesiredNumberScheduled), int64(s.CurrentNumberScheduled), int64(s.NumberReady),
		int64(s.UpdatedNumberScheduled), int64(s.NumberAvailable), labels.FormatLabels(ds.Spec.Template.Spec.NodeSelector),
		age(ds.CreationTimestamp, now), names, images, selector(ds.Spec.Selector)}
}

func statefulSetCells(ss *appsv1.StatefulSet, now time.Time) []any {
	names, images := containersAndImages(ss.Spec.Template.Spec)
	return []any{ss.Name, fmt.Sprintf("%d/%d", ss.Status.ReadyReplicas, replicasOr1(ss.Spec.Replicas)),
		age(ss.CreationTimestamp, now), names, images}
}

func jobCells(job *batchv1.Job, now time.Time) []any {
	names, images := containersAndImages(job.Spec.Template.Spec)
	return []any{job.Name, jobStatus(job), jobCompletions(job), jobDuration(job, now), age(job.CreationTimestamp, now),
		names, images, selector(job.Spec.Selector)}
}

// jobCompletions is "succeeded/completions"; without completions a job
// is done after one success, running parallelism pods at a time.
func jobCompletions(job *batchv1.Job) string {
	if job.Spec.Completions != nil {
		return fmt.Sprintf("%d/%d", job.Status.Succeeded, *job.Spec.Completions)
	}
	if p := job.Spec.Parallelism; p != nil && *p > 1 {
		return fmt.Sprintf("%d/1 of %d", job.Status.Succeeded, *p)
	}
	return fmt.Sprintf("%d/1", job.Status.Succeeded)
}

func jobDuration(job *batchv1.Job, now time.Time) string {
	start, end := job.Status.StartTime, job.Status.CompletionTime
	switch {
	case start == nil:
		return ""
	case end == nil:
		return age(*start, now)
	}
	return age(*start, end.Time)
}

func jobStatus(job *batchv1.Job) string {
	has := func(t batchv1.JobConditionType) bool {
		for _, c := range job.Status.Conditions {
			if c.Type == t && c.Status == corev1.ConditionTrue {
				return true
			}
		}
		return false
	}
	switch {
	case has(batchv1.JobComplete):
		return "Complete"
	case has(batchv1.JobFailed):
		return "Failed"
	case job.DeletionTimestamp != nil:
		return "Terminating"
	case has(batchv1.JobSuspended):
		return "Suspended"
	case has(batchv1.JobFailureTarget):
		return "FailureTarget"
	case has(batchv1.JobSuccessCriteriaMet):
		return "SuccessCriteriaMet"
	}
	return "Running"
}

func cronJobCells(cj *batchv1.CronJob, now time.Time) []any {
	names, images := containersAndImages(cj.Spec.JobTemplate.Spec.Template.Spec)
	last := none
	if cj.Status.LastScheduleTime != nil {
		last = age(*cj.Status.LastScheduleTime, now)
	}
	tz := none
	if cj.Spec.TimeZone != nil {
		tz = *cj.Spec.TimeZone
	}
	return []any{cj.Name, cj.Spec.Schedule, tz, boolPtr(cj.Spec.Suspend), int64(len(cj.Status.Active)), last,
		age(cj.CreationTimestamp, now), names, images, selector(cj.Spec.JobTemplate.Spec.Selector)}
}

func controllerRevisionCells(cr *appsv1.ControllerRevision, now time.Time) []any {
	controller := none
	if ref := metav1.GetControllerOf(cr); ref != nil {
		gv, _ := schema.ParseGroupVersion(ref.APIVersion)
		controller = strings.ToLower(gv.WithKind(ref.Kind).GroupKind().String()) + "/" + ref.Name
	}
	return []any{cr.Name, controller, cr.Revision, age(cr.CreationTimestamp, now)}
}
