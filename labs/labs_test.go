package labs

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the recorded outputs in the labs' READMEs from this run")

// TestLabs is docs as tests: for every lab it runs the README's steps with
// bash, in order, in a throwaway network namespace playing the host, with
// temporary SKIFF_ROOT and SKIFF_DATA; then `skiff lab check` must pass,
// `skiff lab reset` (twice) must leave nothing behind. Before the steps,
// the checks must fail with hints. SKIFF_LABS=01,03 runs some labs only.
func TestLabs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the labs make namespaces, cgroups, mounts and links")
	}
	only := os.Getenv("SKIFF_LABS")
	if inVM && only == "" {
		only = vmLabs
	}
	for _, tool := range []string{"unshare", "nsenter", "ip", "runc", "findmnt", "bash"} {
		if _, err := exec.LookPath(tool); err != nil && !inVM {
			t.Skipf("needs %s (apt: util-linux, iproute2, runc, bash)", tool)
		}
	}
	h := newHarness(t)
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range all {
		if only != "" && !strings.Contains(only, l.Name()) {
			continue
		}
		t.Run(l.Slug, func(t *testing.T) { h.runLab(t, l) })
	}
	t.Run("bad-input", h.badInput)
	t.Run("step-typed-wrong", h.typo)
}

// badInput: wrong lab numbers and arguments get one clear line and a
// non-zero status, never a stack trace.
func (h *harness) badInput(t *testing.T) {
	for _, args := range []string{"check 99", "show 99", "reset abc", "check", "show 1 2"} {
		out, err := exec.Command(h.bin, append([]string{"lab"}, strings.Fields(args)...)...).CombinedOutput()
		text := string(out)
		if err == nil || strings.Contains(text, "goroutine") || strings.Contains(text, "panic") ||
			!strings.Contains(text, "skiff lab list") {
			t.Errorf("skiff lab %s: %v:\n%s", args, err, text)
		}
	}
}

// typo: lab 02's container started without --memory fails exactly the
// memory check, with its hint, and reset still cleans up.
func (h *harness) typo(t *testing.T) {
	netns := h.netns(t, "typo")
	t.Cleanup(func() {
		h.shell(t, netns, "skiff lab reset 02", time.Minute)
		exec.Command("ip", "netns", "del", netns).Run()
	})
	out, err := h.shell(t, netns, vmCode("skiff run -d --name lab02 --pids-limit 20 --cpus 0.2 busybox sleep 60")+" && skiff lab check 02", time.Minute)
	if err == nil || !strings.Contains(out, "FAIL  lab02 may use 32 MiB of memory") ||
		!strings.Contains(out, "pass  lab02 may run 20 processes") || !strings.Contains(out, `reread: "1. A container with limits"`) {
		t.Errorf("check after a step without --memory: %v:\n%s", err, out)
	}
	if out, err := h.shell(t, netns, "skiff lab reset 02", time.Minute); err != nil {
		t.Fatalf("reset: %v\n%s", err, out)
	}
	all, _ := All()
	h.assertClean(t, netns, all[1])
}

// In the pure cgroup v2 VM (scripts/test-vm.sh, VM_PKGS=./labs) there is
// only busybox: no bash, runc or iproute2, and the whole machine is
// disposable, so the steps run with sh in the VM's own namespaces, for the
// labs whose steps busybox can type: cgroups (what differs on v2) and
// volumes.
var inVM = os.Getenv("SKIFF_VM") == "1"

const vmLabs = "02,05"

type harness struct {
	bin, root, data string
	parent          string // SKIFF_CGROUP_PARENT of the labs' containers
}

func newHarness(t *testing.T) *harness {
	bin := os.Getenv("SKIFF_BIN")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "skiff")
		build := exec.Command("go", "build", "-o", bin, "../cmd/skiff")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := build.CombinedOutput()
		if err != nil {
			t.Fatalf("build skiff: %v\n%s", err, out)
		}
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{bin: abs, root: t.TempDir(), data: t.TempDir()}
	// the labs' containers go below a cgroup of the test's own, so that the
	// suite never shares (or removes) the parent other tests use
	h.parent = fmt.Sprintf("skiff-labs-%d", os.Getpid())
	if strings.HasPrefix(CgroupParent(), "/") {
		h.parent = "/" + h.parent
	}
	t.Setenv("SKIFF_CGROUP_PARENT", h.parent)
	t.Cleanup(func() {
		// a failed lab may have left containers behind: remove them before
		// the temporary directories go
		env := Env{Skiff: h.bin, Root: h.root, Data: h.data}
		removeContainers(context.Background(), env, "")
		removeEmptyParent()
		for _, d := range parentDirs() {
			if _, err := os.Stat(d); err == nil {
				t.Errorf("cgroup left: %s", d)
			}
		}
	})
	return h
}

// shell runs a bash script in the lab's network namespace with the lab's
// environment; output goes to a file (steps leave processes behind that
// would hold a pipe open).
func (h *harness) shell(t *testing.T, netns, script string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	outFile := filepath.Join(t.TempDir(), "out")
	f, err := os.Create(outFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.CommandContext(ctx, "nsenter", "--net=/run/netns/"+netns, "bash", "-c", script)
	if inVM {
		cmd = exec.CommandContext(ctx, "sh", "-c", script)
	}
	cmd.Env = append(os.Environ(), "SKIFF_CGROUP_PARENT="+h.parent, "SKIFF_ROOT="+h.root, "SKIFF_DATA="+h.data,
		"PATH="+filepath.Dir(h.bin)+":"+os.Getenv("PATH"))
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Dir = os.TempDir()
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	b, _ := os.ReadFile(outFile)
	return string(b), err
}

func (h *harness) runLab(t *testing.T, l Lab) {
	netns := h.netns(t, l.Name())
	t.Cleanup(func() {
		h.shell(t, netns, "skiff lab reset "+l.Name(), time.Minute)
		exec.Command("ip", "netns", "del", netns).Run()
	})
	self := fmt.Sprintf("skiff --root %s --data-dir %s ", h.root, h.data)
	h.shell(t, netns, "ip link set lo up; skiff lab reset "+l.Name(), time.Minute)

	out, err := h.shell(t, netns, self+"lab check "+l.Name(), time.Minute)
	if err == nil || !strings.Contains(out, "hint:") || !strings.Contains(out, "reread:") {
		t.Errorf("check before the steps: want failures with hints, got %v:\n%s", err, out)
	}

	outputs := h.runSteps(t, netns, l)

	out, err = h.shell(t, netns, "skiff lab check "+l.Name(), time.Minute)
	if err != nil {
		t.Fatalf("check after the steps: %v\n%s", err, out)
	}
	t.Logf("check:\n%s", out)
	for i := 0; i < 2; i++ {
		if out, err := h.shell(t, netns, "skiff lab reset "+l.Name(), time.Minute); err != nil {
			t.Fatalf("reset #%d: %v\n%s", i+1, err, out)
		}
	}
	h.assertClean(t, netns, l)
	if *update {
		rewrite(t, l, outputs)
	}
}

// vmCode runs containers without a network in the VM, whose kernel lacks
// what the bridge network needs; the VM lane is about cgroup v2.
func vmCode(code string) string {
	if !inVM {
		return code
	}
	return strings.ReplaceAll(code, "skiff run ", "skiff run --network none ")
}

// netns makes the network namespace that plays the host for one lab (none
// in the VM, which is disposable).
func (h *harness) netns(t *testing.T, name string) string {
	netns := fmt.Sprintf("skiff-lab-%d-%s", os.Getpid(), name)
	if inVM {
		return netns
	}
	if out, err := exec.Command("ip", "netns", "add", netns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	return netns
}

// runSteps sources each step in one bash (so cd and variables carry over)
// with -e, as a learner types them (no pipefail): the first failing command
// stops the lab.
func (h *harness) runSteps(t *testing.T, netns string, l Lab) []string {
	steps := Steps(l.README)
	dir := t.TempDir()
	var script strings.Builder
	script.WriteString("set -e\ncd /tmp\n")
	for i, s := range steps {
		f := filepath.Join(dir, "step"+strconv.Itoa(i))
		if err := os.WriteFile(f+".sh", []byte(vmCode(s.Code)), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&script, ". %s.sh > %s.out 2>&1\ntouch %s.ok\n", f, f, f)
	}
	start := time.Now()
	_, err := h.shell(t, netns, script.String(), 3*time.Minute)
	var outputs []string
	for i, s := range steps {
		f := filepath.Join(dir, "step"+strconv.Itoa(i))
		b, _ := os.ReadFile(f + ".out")
		if _, okErr := os.Stat(f + ".ok"); okErr != nil {
			t.Fatalf("step %q failed (%v):\n%s\n--- output:\n%s", s.Heading, err, s.Code, b)
		}
		text := strings.ReplaceAll(string(b), h.data, "/var/lib/skiff")
		text = strings.ReplaceAll(text, strings.TrimPrefix(h.parent, "/"), "skiff")
		outputs = append(outputs, cleanOutput(text))
	}
	t.Logf("%d steps in %v", len(steps), time.Since(start).Round(time.Millisecond))
	return outputs
}

// assertClean fails if the lab left containers, mounts, its directory,
// links or nftables tables behind.
func (h *harness) assertClean(t *testing.T, netns string, l Lab) {
	out, _ := h.shell(t, netns, "ip -o link | grep -v ': lo:' || true; nft list tables 2>/dev/null || true", time.Minute)
	if strings.TrimSpace(out) != "" && !inVM {
		t.Errorf("links or nftables tables left in the lab's host namespace:\n%s", out)
	}
	out, _ = h.shell(t, netns, "skiff list -q; skiff pod ls 2>/dev/null | tail -n +2", time.Minute)
	if strings.TrimSpace(out) != "" {
		t.Errorf("containers or pods left:\n%s", out)
	}
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range bytes.Split(mi, []byte("\n")) {
		for _, p := range []string{h.root, h.data, DefaultDir} {
			if bytes.Contains(line, []byte(p)) {
				t.Errorf("mount left: %s", line)
			}
		}
	}
	for _, dir := range parentDirs() {
		left, _ := filepath.Glob(filepath.Join(dir, "lab"+l.Name()+"*"))
		for _, c := range left {
			t.Errorf("cgroup left: %s", c)
		}
	}
	if _, err := os.Stat(filepath.Join(DefaultDir, l.Name())); err == nil {
		t.Errorf("%s/%s left", DefaultDir, l.Name())
	}
}

func rewrite(t *testing.T, l Lab, outputs []string) {
	readme := filepath.Join(l.Slug, "README.md")
	text, err := WithOutputs(l.README, outputs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(readme, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBadInput: wrong lab numbers get a clear message, never a stack trace.
func TestFind(t *testing.T) {
	for _, arg := range []string{"1", "01", "01-namespaces"} {
		if l, err := Find(arg); err != nil || l.Number != 1 {
			t.Errorf("Find(%q) = %v, %v", arg, l.Number, err)
		}
	}
	for _, arg := range []string{"99", "x", "", "-1"} {
		_, err := Find(arg)
		if err == nil || !strings.Contains(err.Error(), "see skiff lab list") {
			t.Errorf("Find(%q): %v", arg, err)
		}
	}
	all, _ := All()
	for _, l := range all {
		if l.Title == "" || len(Steps(l.README)) == 0 {
			t.Errorf("lab %s has no title or no steps", l.Slug)
		}
		if n := strings.Count(l.README, outputBegin); n != len(Steps(l.README)) {
			t.Errorf("lab %s: %d steps but %d recorded outputs: run the docs test with -update", l.Slug, len(Steps(l.README)), n)
		}
		for _, f := range readingList(l.README) {
			if inVM {
				break // the VM holds the test binaries, not the sources
			}
			if _, err := os.Stat(filepath.Join("..", f)); err != nil {
				t.Errorf("lab %s: reading list names %s: %v", l.Slug, f, err)
			}
		}
		if _, ok := checksFor[l.Number]; !ok {
			t.Errorf("lab %s has no checks", l.Slug)
		}
		for _, c := range checksFor[l.Number] {
			if !strings.Contains(l.README, "### "+c.Section+"\n") {
				t.Errorf("lab %s: check %q points at a missing section %q", l.Slug, c.Name, c.Section)
			}
		}
	}
}

// readingList returns the repository files (`a/b.go`) that a README's
// "Read these files" section names.
func readingList(readme string) []string {
	_, rest, _ := strings.Cut(readme, "## Read these files")
	section, _, _ := strings.Cut(rest, "\n## ")
	var files []string
	for _, part := range strings.Split(section, "`")[1:] {
		if strings.HasSuffix(part, ".go") && !strings.Contains(part, " ") {
			files = append(files, part)
		}
	}
	return files
}
