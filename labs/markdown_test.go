package labs

import (
	"strings"
	"testing"
)

const sample = "# Lab 09: sample\n\nintro\n\n```sh\nnot a step\n```\n\n## Steps\n\n### 1. First\n\n```sh\necho one\n```\n\n" +
	"<!-- output -->\n```text\nold\n```\n<!-- /output -->\n\ntext\n\n### 2. Second\n\n```sh\necho two\necho three\n```\n\nafter\n\n## Experiments\n\n```sh\nnot run\n```\n"

func TestSteps(t *testing.T) {
	steps := Steps(sample)
	if len(steps) != 2 {
		t.Fatalf("steps: got %d, want 2: %+v", len(steps), steps)
	}
	if steps[0].Heading != "1. First" || steps[0].Code != "echo one\n" {
		t.Errorf("step 1: %+v", steps[0])
	}
	if steps[1].Heading != "2. Second" || steps[1].Code != "echo two\necho three\n" {
		t.Errorf("step 2: %+v", steps[1])
	}
	if title(sample) != "sample" {
		t.Errorf("title: %q", title(sample))
	}
}

func TestWithOutputs(t *testing.T) {
	got, err := WithOutputs(sample, []string{"one", "two\nthree"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "old") || !strings.Contains(got, "```sh\necho one\n```\n\n<!-- output -->\n```text\none\n```\n<!-- /output -->\n\ntext") {
		t.Errorf("first output not replaced:\n%s", got)
	}
	if !strings.Contains(got, "echo three\n```\n\n<!-- output -->\n```text\ntwo\nthree\n```\n<!-- /output -->\n\nafter") {
		t.Errorf("second output not inserted:\n%s", got)
	}
	again, _ := WithOutputs(got, []string{"one", "two\nthree"})
	if again != got {
		t.Errorf("not idempotent:\n%s\n---\n%s", got, again)
	}
	if len(Steps(got)) != 2 {
		t.Errorf("outputs became steps")
	}
	if _, err := WithOutputs(sample, []string{"one"}); err == nil {
		t.Error("a missing output was accepted")
	}
}
