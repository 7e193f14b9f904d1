package printers

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
)

const betaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class"

func registerStorage() {
	pvSpec, pvStatus := corev1.PersistentVolumeSpec{}.SwaggerDoc(), corev1.PersistentVolumeStatus{}.SwaggerDoc()
	register(columns(nameColumn,
		col("Capacity", "string", pvSpec["capacity"]),
		col("Access Modes", "string", pvSpec["accessModes"]),
		col("Reclaim Policy", "string", pvSpec["persistentVolumeReclaimPolicy"]),
		col("Status", "string", pvStatus["phase"]),
		col("Claim", "string", pvSpec["claimRef"]),
		col("StorageClass", "string", "StorageClass of the pv"),
		col("VolumeAttributesClass", "string", pvSpec["volumeAttributesClassName"]),
		col("Reason", "string", pvStatus["reason"]),
		ageColumn,
		wide("VolumeMode", "string", pvSpec["volumeMode"]),
	), pvCells)

	pvcSpec, pvcStatus := corev1.PersistentVolumeClaimSpec{}.SwaggerDoc(), corev1.PersistentVolumeClaimStatus{}.SwaggerDoc()
	register(columns(nameColumn,
		col("Status", "string", pvcStatus["phase"]),
		col("Volume", "string", pvcSpec["volumeName"]),
		col("Capacity", "string", pvcStatus["capacity"]),
		col("Access Modes", "string", pvcStatus["accessModes"]),
		col("StorageClass", "string", "StorageClass of the pvc"),
		col("VolumeAttributesClass", "string", pvcSpec["volumeAttributesClassName"]),
		ageColumn,
		wide("VolumeMode", "string", pvcSpec["volumeMode"]),
	), pvcCells)

	sc := storagev1.StorageClass{}.SwaggerDoc()
	register(columns(nameColumn,
		col("Provisioner", "string", sc["provisioner"]),
		col("ReclaimPolicy", "string", sc["reclaimPolicy"]),
		col("VolumeBindingMode", "string", sc["volumeBindingMode"]),
		col("AllowVolumeExpansion", "boolean", sc["allowVolumeExpansion"]),
		ageColumn), storageClassCells)
}

// accessModes abbreviates access modes in a fixed order: RWO,ROX,RWX,RWOP.
func accessModes(modes []corev1.PersistentVolumeAccessMode) string {
	has := map[corev1.PersistentVolumeAccessMode]bool{}
	for _, m := range modes {
		has[m] = true
	}
	out := ""
	for _, m := range []struct {
		mode  corev1.PersistentVolumeAccessMode
		short string
	}{{corev1.ReadWriteOnce, "RWO"}, {corev1.ReadOnlyMany, "ROX"}, {corev1.ReadWriteMany, "RWX"}, {corev1.ReadWriteOncePod, "RWOP"}} {
		if has[m.mode] {
			if out != "" {
				out += ","
			}
			out += m.short
		}
	}
	return out
}

func stringOr(p *string, alt string) string {
	if p == nil {
		return alt
	}
	return *p
}

func volumeMode(p *corev1.PersistentVolumeMode) string {
	if p == nil {
		return unset
	}
	return string(*p)
}

func pvCells(pv *corev1.PersistentVolume, now time.Time) []any {
	claim := ""
	if ref := pv.Spec.ClaimRef; ref != nil {
		claim = ref.Namespace + "/" + ref.Name
	}
	phase := string(pv.Status.Phase)
	if pv.DeletionTimestamp != nil {
		phase = "Terminating"
	}
	class := pv.Spec.StorageClassName
	if a, ok := pv.Annotations[betaStorageClassAnnotation]; ok {
		class = a
	}
	size := pv.Spec.Capacity[corev1.ResourceStorage]
	return []any{pv.Name, size.String(), accessModes(pv.Spec.AccessModes), string(pv.Spec.PersistentVolumeReclaimPolicy),
		phase, claim, class, stringOr(pv.Spec.VolumeAttributesClassName, unset), pv.Status.Reason,
		age(pv.CreationTimestamp, now), volumeMode(pv.Spec.VolumeMode)}
}

// pvcCells shows capacity and access modes only once the claim is bound.
func pvcCells(pvc *corev1.PersistentVolumeClaim, now time.Time) []any {
	phase := string(pvc.Status.Phase)
	if pvc.DeletionTimestamp != nil {
		phase = "Terminating"
	}
	capacity, modes := "", ""
	if pvc.Spec.VolumeName != "" {
		size := pvc.Status.Capacity[corev1.ResourceStorage]
		capacity, modes = size.String(), accessModes(pvc.Status.AccessModes)
	}
	class := stringOr(pvc.Spec.StorageClassName, "")
	if a, ok := pvc.Annotations[betaStorageClassAnnotation]; ok {
		class = a
	}
	vac := stringOr(pvc.Status.CurrentVolumeAttributesClassName, unset)
	return []any{pvc.Name, phase, pvc.Spec.VolumeName, capacity, modes, class, vac,
		age(pvc.CreationTimestamp, now), volumeMode(pvc.Spec.VolumeMode)}
}

func storageClassCells(sc *storagev1.StorageClass, now time.Time) []any {
	name := sc.Name
	if sc.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" ||
		sc.Annotations["storageclass.beta.kubernetes.io/is-default-class"] == "true" {
		name += " (default)"
	}
	reclaim := string(corev1.PersistentVolumeReclaimDelete)
	if sc.ReclaimPolicy != nil {
		reclaim = string(*sc.ReclaimPolicy)
	}
	binding := string(storagev1.VolumeBindingImmediate)
	if sc.VolumeBindingMode != nil {
		binding = string(*sc.VolumeBindingMode)
	}
	expand := sc.AllowVolumeExpansion != nil && *sc.AllowVolumeExpansion
	return []any{name, sc.Provisioner, reclaim, binding, expand, age(sc.CreationTimestamp, now)}
}
