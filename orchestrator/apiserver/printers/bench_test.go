package printers

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func benchPods(n int) *corev1.PodList {
	list := &corev1.PodList{}
	for i := range n {
		p := pod(func(p *corev1.Pod) {
			p.Name = fmt.Sprintf("web-%d", i)
			p.Spec.NodeName = "node-1"
			p.Status.PodIPs = []corev1.PodIP{{IP: fmt.Sprintf("10.88.%d.%d", i/250, i%250)}}
			p.Status.ContainerStatuses = []corev1.ContainerStatus{running("app", true, int32(i%3))}
		})
		list.Items = append(list.Items, *p)
	}
	return list
}

// BenchmarkTableVsJSON compares answering kubectl get with a Table
// (printing plus encoding) against encoding the plain list, the peer the
// server would send without tables; ratio is table time / list time.
func BenchmarkTableVsJSON(b *testing.B) {
	list := benchPods(1000)
	measure := func(fn func() error) time.Duration {
		start := time.Now()
		for range b.N {
			if err := fn(); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	table := measure(func() error {
		t, err := Table(list, Options{Now: now, IncludeObject: metav1.IncludeMetadata})
		if err != nil {
			return err
		}
		_, err = json.Marshal(t)
		return err
	})
	plain := measure(func() error {
		_, err := json.Marshal(list)
		return err
	})
	b.ReportMetric(float64(table.Nanoseconds())/float64(b.N), "table-ns/op")
	b.ReportMetric(float64(plain.Nanoseconds())/float64(b.N), "list-ns/op")
	b.ReportMetric(float64(table)/float64(plain), "ratio")
}
