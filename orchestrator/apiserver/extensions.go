package apiserver

import (
	"net/http"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiffrun/skiff/orchestrator/apiserver/openapi"
	"github.com/skiffrun/skiff/orchestrator/apiserver/printers"
)

// This file wires in the two helpers of the API server that live in their
// own packages: printers (server-side tables for kubectl get) and openapi
// (the documents kubectl explain, apply and validation read).

// printerTables prints with the printers package.
type printerTables struct{}

func (printerTables) PrintTable(obj runtime.Object, opts metav1.TableOptions) (*metav1.Table, error) {
	return printers.Table(obj, printers.Options{IncludeObject: opts.IncludeObject, NoHeaders: opts.NoHeaders})
}

// openAPI documents never change while the binary runs: build them once.
var openAPI = sync.OnceValues(func() (http.Handler, error) {
	return openapi.NewHandler(openapi.Config{
		Version:               Version().GitVersion,
		Groups:                openAPIGroups(),
		ServerFieldValidation: true,
	})
})

// openAPIGroups describes the resource table for the openapi package.
func openAPIGroups() []openapi.GroupVersionResources {
	var out []openapi.GroupVersionResources
	index := map[string]int{}
	for _, r := range resources {
		key := r.gv().String()
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, openapi.GroupVersionResources{Group: r.group, Version: r.version})
		}
		gv := &out[i]
		main := openapi.Resource{Name: r.name, Kind: r.kind, Namespaced: r.namespaced, Verbs: r.verbs, Object: r.newObject()}
		if r.stored() {
			main.List = r.newList()
		}
		gv.Resources = append(gv.Resources, main)
		for _, sub := range r.subresources() {
			obj, err := Scheme.New(sub.kind)
			if err != nil {
				continue
			}
			gv.Resources = append(gv.Resources, openapi.Resource{Name: r.name + "/" + sub.name, Kind: sub.kind.Kind,
				Namespaced: r.namespaced, Verbs: sub.verbs, Object: obj})
		}
	}
	return out
}

// defaultExtensions fills the printer and the OpenAPI handler a Config
// leaves out.
func defaultExtensions(c *Config) error {
	if c.Tables == nil {
		c.Tables = printerTables{}
	}
	if c.OpenAPI == nil {
		h, err := openAPI()
		if err != nil {
			return err
		}
		c.OpenAPI = h
	}
	return nil
}
