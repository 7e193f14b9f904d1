package admission

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/skiffrun/skiff/orchestrator/apiserver"
)

// serviceAccount gives pods a service account: "default" unless they
// name one, which must exist. skiff has no service account controller, so
// this plugin creates each namespace's "default" account: when the
// namespace is made, and again when a pod needs it.
type serviceAccount struct{ client kubernetes.Interface }

func (p *serviceAccount) mutate(ctx context.Context, req *apiserver.AdmissionRequest) error {
	if req.Operation == "CREATE" && req.Resource == "namespaces" && req.APIGroup == "" && req.Subresource == "" && !req.DryRun {
		go p.ensureLater(objectName(req))
		return nil
	}
	pod, ok := newPod(req)
	if !ok {
		return nil
	}
	if pod.Spec.ServiceAccountName == "" {
		pod.Spec.ServiceAccountName = "default"
	}
	return p.ensure(ctx, pod.Namespace, pod.Spec.ServiceAccountName)
}

// ensure checks the account exists, creating "default" if it does not.
func (p *serviceAccount) ensure(ctx context.Context, ns, name string) error {
	_, err := p.client.CoreV1().ServiceAccounts(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) && name == "default" {
		err = p.create(ctx, ns)
	}
	if err != nil {
		return fmt.Errorf("error looking up service account %s/%s: %w", ns, name, err)
	}
	return nil
}

func (p *serviceAccount) create(ctx context.Context, ns string) error {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}}
	_, err := p.client.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// ensureLater creates the default account of a namespace being created,
// once the namespace is stored (admission runs before that).
func (p *serviceAccount) ensureLater(ns string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if _, err := p.client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err == nil {
			_ = p.create(ctx, ns) // best effort: pod admission creates it too
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
