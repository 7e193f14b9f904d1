package pod

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// The benchmarks scripts/bench-pod.sh pairs with podman: a sandbox with a
// bridge network (RunPodSandbox, like `podman pod create` + `pod start`)
// and a `true` container run to completion and removed in an existing
// pod (like `podman run --rm --pod`).

func BenchmarkSandbox(b *testing.B) {
	l := newLab(b)
	rt, err := New(l.cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := mustPod(b, fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata: {name: bench-%d}\nspec:\n  containers: [{name: c, image: busybox}]\n", i))
		if _, err := rt.RunPodSandbox(ctx, p); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := rt.RemovePodSandbox(ctx, p.Name); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

func BenchmarkTrueContainerInPod(b *testing.B) {
	l := newLab(b)
	rt, err := New(l.cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	p := mustPod(b, "apiVersion: v1\nkind: Pod\nmetadata: {name: bench}\nspec:\n  containers: [{name: t, image: busybox, command: [\"true\"]}]\n")
	sb, err := rt.RunPodSandbox(ctx, p)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rt.RemovePodSandbox(ctx, p.Name) })
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := rt.CreateContainer(ctx, sb, p, &p.Spec.Containers[0], i)
		if err != nil {
			b.Fatal(err)
		}
		if err := rt.StartContainer(ctx, c); err != nil {
			log, _ := os.ReadFile(c.LogPath)
			b.Fatalf("%v\nlog: %s", err, log)
		}
		<-c.Done()
		if c.ExitCode() != 0 {
			b.Fatalf("true exited %d", c.ExitCode())
		}
		if err := rt.RemoveContainer(ctx, sb, c.Name); err != nil {
			b.Fatal(err)
		}
	}
}
