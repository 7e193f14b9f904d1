package apiserver

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BenchmarkPodCreate compares creating pods through the API server
// (client-go, JSON over loopback HTTP, the whole pipeline) with raw etcd
// puts of the same stored bytes through the client the API server uses,
// at the same number of concurrent clients. It reports both rates and
// their ratio. Run: go test -run x -bench PodCreate -benchtime 1x ./orchestrator/apiserver/
func BenchmarkPodCreate(b *testing.B) {
	const clients, perClient = 16, 100
	s, _, cs := testServer(b)
	ctx := context.Background()
	proto := pod("x", map[string]string{"app": "bench"})
	for i := 0; i < b.N; i++ {
		api := rate(clients, perClient, func(c, n int) error {
			p := proto.DeepCopy()
			p.Name = fmt.Sprintf("api-%d-%d-%d", i, c, n)
			_, err := cs.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{})
			return err
		})
		res := lookup("", "v1", "pods")
		stored := proto.DeepCopy()
		strategyFor(res).create(res, stored)
		data, err := encodeStored(res, stored)
		if err != nil {
			b.Fatal(err)
		}
		raw := rate(clients, perClient, func(c, n int) error {
			_, err := s.store.Create(ctx, res.key("default", fmt.Sprintf("raw-%d-%d-%d", i, c, n)), data)
			return err
		})
		b.ReportMetric(api, "apiserver-pods/s")
		b.ReportMetric(raw, "etcd-puts/s")
		b.ReportMetric(api/raw, "ratio")
	}
	_ = corev1.Pod{}
}

// rate runs f clients*perClient times from clients goroutines and
// returns operations per second; any error fails the run.
func rate(clients, perClient int, f func(c, n int) error) float64 {
	var wg sync.WaitGroup
	var failed atomic.Value
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range perClient {
				if err := f(c, n); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		panic(err)
	}
	return float64(clients*perClient) / time.Since(start).Seconds()
}
