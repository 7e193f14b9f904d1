package authz

import (
	"context"
	"fmt"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// BenchmarkAuthorize measures one RBAC decision in a cluster of 200
// namespaces with 3 RoleBindings each and 100 extra ClusterRoleBindings,
// for a user allowed by a RoleBinding and one denied after checking them
// all.
func BenchmarkAuthorize(b *testing.B) {
	objs := defaults()
	for i := 0; i < 200; i++ {
		ns := fmt.Sprintf("ns%d", i)
		for j := 0; j < 3; j++ {
			objs = append(objs, roleBinding(ns, fmt.Sprintf("rb%d", j), "ClusterRole", "edit",
				rbacv1.Subject{Kind: "User", Name: fmt.Sprintf("user%d-%d", i, j)}))
		}
	}
	for i := 0; i < 100; i++ {
		objs = append(objs, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("crb%d", i)},
			Subjects: []rbacv1.Subject{{Kind: "User", Name: fmt.Sprintf("viewer%d", i)}},
			RoleRef:  rbacv1.RoleRef{Kind: "ClusterRole", Name: "view"}})
	}
	z := newRBAC(&testing.T{}, objs...)
	cases := map[string]apiserver.Attributes{
		"allowed": res(&apiserver.User{Name: "user7-2", Groups: []string{"system:authenticated"}}, "create", "apps", "deployments", "ns7"),
		"denied":  res(&apiserver.User{Name: "nobody", Groups: []string{"system:authenticated"}}, "delete", "", "secrets", "ns7"),
	}
	for name, a := range cases {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				z.Authorize(context.Background(), a)
			}
		})
	}
}
