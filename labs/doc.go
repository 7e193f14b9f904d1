// Package labs holds the numbered labs of the course (one folder per lab,
// NN-topic/README.md) and the framework behind `skiff lab list|show|check|reset`:
// the READMEs are embedded in the binary, each lab has checks that look at
// the learner's machine after the steps (containers, cgroup files, mounts,
// links, ports) and a reset that removes everything the lab's steps make.
//
// The labs sit above every chapter: this package may import anything, and it
// mostly drives the skiff binary itself, exactly as a learner does.
//
// Read first: catalog.go (which labs exist, from the embedded READMEs), then
// markdown.go (the steps and their recorded outputs, pure), check.go (how a
// check reports pass/fail with a hint), then checks_linux.go and
// reset_linux.go (what each lab verifies and removes). labs_test.go is the
// docs-as-tests end-to-end test: it runs every README's steps with bash in a
// throwaway network namespace, then the checks, then reset, and fails if the
// host is not clean afterwards; `go test ./labs -run TestLabs -update`
// rewrites the expected outputs in the READMEs from that run.
package labs
