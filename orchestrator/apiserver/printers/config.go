package printers

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func registerConfig() {
	register(columns(nameColumn,
		col("Data", "integer", corev1.ConfigMap{}.SwaggerDoc()["data"]),
		ageColumn), configMapCells)

	secret := corev1.Secret{}.SwaggerDoc()
	register(columns(nameColumn,
		col("Type", "string", secret["type"]),
		col("Data", "integer", secret["data"]),
		ageColumn), secretCells)

	register(columns(nameColumn,
		col("Secrets", "integer", corev1.ServiceAccount{}.SwaggerDoc()["secrets"]),
		ageColumn), serviceAccountCells)

	register(columns(nameColumn, createdColumn), limitRangeCells)

	register(columns(nameColumn, ageColumn,
		col("Request", "string", "Request represents a minimum amount of cpu/memory that a container may consume."),
		col("Limit", "string", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
	), resourceQuotaCells)

	register(columns(nameColumn, createdColumn), roleCells)
	register(columns(nameColumn, createdColumn), clusterRoleCells)
	binding := columns(nameColumn,
		col("Role", "string", rbacv1.RoleBinding{}.SwaggerDoc()["roleRef"]),
		ageColumn,
		wide("Users", "string", "Users in the roleBinding"),
		wide("Groups", "string", "Groups in the roleBinding"),
		wide("ServiceAccounts", "string", "ServiceAccounts in the roleBinding"))
	register(binding, roleBindingCells)
	register(binding, clusterRoleBindingCells)
}

func configMapCells(cm *corev1.ConfigMap, now time.Time) []any {
	return []any{cm.Name, int64(len(cm.Data) + len(cm.BinaryData)), age(cm.CreationTimestamp, now)}
}

func secretCells(s *corev1.Secret, now time.Time) []any {
	return []any{s.Name, string(s.Type), int64(len(s.Data)), age(s.CreationTimestamp, now)}
}

func serviceAccountCells(sa *corev1.ServiceAccount, now time.Time) []any {
	return []any{sa.Name, int64(len(sa.Secrets)), age(sa.CreationTimestamp, now)}
}

func createdAt(ts metav1.Time) string {
	return ts.UTC().Format(time.RFC3339)
}

func limitRangeCells(lr *corev1.LimitRange, _ time.Time) []any {
	return []any{lr.Name, createdAt(lr.CreationTimestamp)}
}

// resourceQuotaCells lists "resource: used/hard" per hard limit, sorted;
// limits.* resources go to the LIMIT column, the rest to REQUEST.
func resourceQuotaCells(q *corev1.ResourceQuota, now time.Time) []any {
	names := make([]string, 0, len(q.Status.Hard))
	for name := range q.Status.Hard {
		names = append(names, string(name))
	}
	slices.Sort(names)
	var requests, limits []string
	for _, name := range names {
		used, hard := q.Status.Used[corev1.ResourceName(name)], q.Status.Hard[corev1.ResourceName(name)]
		entry := fmt.Sprintf("%s: %s/%s", name, used.String(), hard.String())
		if strings.HasPrefix(name, "limits.") {
			limits = append(limits, entry)
			continue
		}
		requests = append(requests, entry)
	}
	return []any{q.Name, age(q.CreationTimestamp, now), strings.Join(requests, ", "), strings.Join(limits, ", ")}
}

func roleCells(r *rbacv1.Role, _ time.Time) []any {
	return []any{r.Name, createdAt(r.CreationTimestamp)}
}

func clusterRoleCells(r *rbacv1.ClusterRole, _ time.Time) []any {
	return []any{r.Name, createdAt(r.CreationTimestamp)}
}

func roleBindingCells(b *rbacv1.RoleBinding, now time.Time) []any {
	return bindingCells(b.Name, b.RoleRef, b.Subjects, b.CreationTimestamp, now)
}

func clusterRoleBindingCells(b *rbacv1.ClusterRoleBinding, now time.Time) []any {
	return bindingCells(b.Name, b.RoleRef, b.Subjects, b.CreationTimestamp, now)
}

// bindingCells prints the role as Kind/name and the subjects by kind;
// service accounts as namespace:name.
func bindingCells(name string, ref rbacv1.RoleRef, subjects []rbacv1.Subject, created metav1.Time, now time.Time) []any {
	var users, groups, sas []string
	for _, s := range subjects {
		switch s.Kind {
		case rbacv1.UserKind:
			users = append(users, s.Name)
		case rbacv1.GroupKind:
			groups = append(groups, s.Name)
		case rbacv1.ServiceAccountKind:
			sas = append(sas, s.Namespace+":"+s.Name)
		}
	}
	return []any{name, ref.Kind + "/" + ref.Name, age(created, now),
		strings.Join(users, ", "), strings.Join(groups, ", "), strings.Join(sas, ", ")}
}
