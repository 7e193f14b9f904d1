package admission

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// immortal namespaces may not be deleted.
var immortal = map[string]bool{"default": true, "kube-system": true, "kube-public": true}

type namespaceLifecycle struct{ client kubernetes.Interface }

func (p *namespaceLifecycle) validate(ctx context.Context, req *apiserver.AdmissionRequest) error {
	if req.Resource == "namespaces" && req.APIGroup == "" {
		if req.Operation == "DELETE" && immortal[req.Name] {
			return fmt.Errorf("namespace %q may not be deleted: it is one the cluster needs", req.Name)
		}
		return nil
	}
	if req.Operation != "CREATE" || req.Namespace == "" || req.Subresource != "" {
		return nil
	}
	ns, err := p.client.CoreV1().Namespaces().Get(ctx, req.Namespace, metav1.GetOptions{})
	if err != nil {
		return err // NotFound is the 404 kubectl shows: namespaces "x" not found
	}
	if ns.Status.Phase == corev1.NamespaceTerminating {
		return apierrors.NewForbidden(corev1.Resource(req.Resource), req.Name,
			fmt.Errorf("unable to create new content in namespace %s because it is being terminated", req.Namespace))
	}
	return nil
}
