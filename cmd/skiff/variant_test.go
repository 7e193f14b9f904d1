package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The runc-only variant exists to start fast, so it must not link the
// heavy trees: a command file that forgets its "//go:build !skiff_runc"
// line would silently bring their package initializers back.
func TestRuncVariantLinksOnlyTheRuntime(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "skiff_runc", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	forbidden := []string{"k8s.io/", "go.etcd.io/", "google.golang.org/grpc",
		module + "/orchestrator", module + "/image", module + "/netns", module + "/labs",
		module + "/runtime/engine", module + "/runtime/pod", module + "/internal/"}
	for _, pkg := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasPrefix(pkg, f) {
				t.Errorf("the skiff_runc variant links %s", pkg)
			}
		}
	}
}

const module = "github.com/skiffrun/skiff"

// Built runc-only, the binary speaks runc's command line under any name,
// and still holds the hidden init that create re-executes.
func TestRuncVariantSpeaksRunc(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "any-name")
	build := exec.Command("go", "build", "-tags", "skiff_runc", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	help, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --help: %v\n%s", bin, err, help)
	}
	for _, want := range []string{"create", "delete", "features", "--systemd-cgroup"} {
		if !strings.Contains(string(help), want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
	for _, unwanted := range []string{"pull", "apiserver"} {
		if strings.Contains(string(help), "\n  "+unwanted+" ") {
			t.Errorf("help lists %q:\n%s", unwanted, help)
		}
	}
	if out, err := exec.Command(bin, "init", "--help").CombinedOutput(); err != nil {
		t.Errorf("init is missing: %v\n%s", err, out)
	}
}
