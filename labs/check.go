package labs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Env is where a lab's state lives: the skiff binary the learner uses (its
// checks and resets drive it, exactly as the learner does), its state and
// data directories, and the directory the steps work in.
type Env struct {
	Skiff string // path of the skiff binary
	Root  string // --root
	Data  string // --data-dir
	Dir   string // the labs' working directory, default /tmp/skiff-labs
}

// DefaultDir is where the steps make their files: /tmp/skiff-labs/NN.
const DefaultDir = "/tmp/skiff-labs"

// LabDir is lab n's working directory.
func (e Env) LabDir(n int) string { return filepath.Join(e.Dir, fmt.Sprintf("%02d", n)) }

// Check is one verification of a learner's machine after a lab's steps. Run
// returns nil when the state is right, or an error saying what it found
// (never what to type). Hint and Section point the learner back to the
// README without giving the answer away.
type Check struct {
	Name    string
	Hint    string
	Section string // the README heading to reread
	Run     func(ctx context.Context, e Env) error
}

// Result is one check's outcome.
type Result struct {
	Check Check
	Err   error
}

// RunChecks runs every check of the lab, in order, and prints each as pass
// or FAIL with its hint; it returns ErrChecksFailed if any failed.
func RunChecks(ctx context.Context, e Env, l Lab, w io.Writer) error {
	results, err := Results(ctx, e, l)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "lab %s: %s\n", l.Name(), l.Title)
	failed := 0
	for i, r := range results {
		if r.Err == nil {
			fmt.Fprintf(w, "  pass  %s\n", r.Check.Name)
			continue
		}
		failed++
		if prev := sameCause(results[:i], r.Err); prev != "" {
			fmt.Fprintf(w, "  FAIL  %s\n        (needs %q first)\n", r.Check.Name, prev)
			continue
		}
		fmt.Fprintf(w, "  FAIL  %s\n        found: %v\n        hint:  %s\n        reread: %q in skiff lab show %s\n",
			r.Check.Name, r.Err, r.Check.Hint, r.Check.Section, l.Name())
	}
	if failed == len(results) {
		fmt.Fprintf(w, "no check passes yet: have you done the steps? skiff lab show %s\n", l.Name())
	}
	if failed > 0 {
		fmt.Fprintf(w, "%d of %d checks failed\n", failed, len(results))
		return fmt.Errorf("lab %s: %d of %d %w", l.Name(), failed, len(results), ErrChecksFailed)
	}
	fmt.Fprintf(w, "all %d checks pass: lab %s done (skiff lab reset %s cleans up)\n", len(results), l.Name(), l.Name())
	return markDone(e, l)
}

// sameCause returns the name of an earlier failed check that failed for
// the same reason (a missing container fails every check that looks at
// it), so the learner sees the cause once.
func sameCause(earlier []Result, err error) string {
	for _, r := range earlier {
		if r.Err != nil && r.Err.Error() == err.Error() {
			return r.Check.Name
		}
	}
	return ""
}

// Results runs the lab's checks without printing.
func Results(ctx context.Context, e Env, l Lab) ([]Result, error) {
	checks, ok := checksFor[l.Number]
	if !ok {
		return nil, fmt.Errorf("lab %s: %w: it has no checks", l.Name(), ErrNoSuchLab)
	}
	var results []Result
	for _, c := range checks {
		results = append(results, Result{Check: c, Err: c.Run(ctx, e)})
	}
	return results, nil
}

// Status is what `skiff lab list` shows for a lab.
func Status(ctx context.Context, e Env, l Lab) string {
	results, err := Results(ctx, e, l)
	if err != nil {
		return "unknown"
	}
	passed := 0
	for _, r := range results {
		if r.Err == nil {
			passed++
		}
	}
	switch {
	case passed == len(results):
		return "checks passing"
	case isDone(e, l):
		return "done"
	case passed > 0:
		return fmt.Sprintf("in progress (%d/%d checks)", passed, len(results))
	}
	return "not started"
}

// A lab whose checks all passed once is remembered as done, even after reset.
func doneFile(e Env, l Lab) string { return filepath.Join(e.Data, "labs", l.Name()+".done") }

func markDone(e Env, l Lab) error {
	if err := os.MkdirAll(filepath.Dir(doneFile(e, l)), 0o755); err != nil {
		return fmt.Errorf("record lab %s done: %w", l.Name(), err)
	}
	return os.WriteFile(doneFile(e, l), []byte("done\n"), 0o644)
}

func isDone(e Env, l Lab) bool {
	_, err := os.Stat(doneFile(e, l))
	return err == nil
}

// IsChecksFailed tells the CLI to exit 1 without a second message.
func IsChecksFailed(err error) bool { return errors.Is(err, ErrChecksFailed) }

// oneLine keeps command output short in a check's "found".
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " ..."
	}
	return s
}
