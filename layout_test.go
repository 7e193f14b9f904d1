package skiff_test

// layout_test.go enforces the layer rules of DESIGN.md on every package of
// the module, by reading import lists (no build needed):
//  1. node packages (runtime, image, netns, cgroups) never import orchestrator/;
//  2. only orchestrator/apiserver imports orchestrator/store;
//  3. control-plane packages use no Linux syscalls (no syscall, x/sys/unix);
//  4. a package imports only from its own chapter or earlier ones;
//  5. no package is named "runtime".

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/skiffrun/skiff"

// chapters maps a package path prefix to the lab that introduces it; the
// longest matching prefix wins. cmd/ and labs/ sit above every chapter.
var chapters = map[string]int{
	"runtime/namespace":                    1,
	"runtime/initproc":                     1,
	"cgroups":                              2,
	"runtime/mount":                        3,
	"runtime/rootfs":                       3,
	"image":                                4,
	"image/snapshot":                       5,
	"netns":                                6,
	"runtime/spec":                         7,
	"runtime/container":                    7,
	"runtime/engine":                       7,
	"runtime/caps":                         7,
	"runtime/seccomp":                      7,
	"runtime/pod":                          8,
	"orchestrator/store":                   9,
	"orchestrator/apiserver":               9,
	"orchestrator/apiserver/authn":         10,
	"orchestrator/apiserver/authz":         11,
	"orchestrator/apiserver/admission":     11,
	"orchestrator/apiserver/ratelimit":     11,
	"orchestrator/apiserver/audit":         11,
	"orchestrator/scheduler":               12,
	"orchestrator/controllers":             13,
	"orchestrator/controllers/daemonset":   14,
	"orchestrator/controllers/statefulset": 14,
	"orchestrator/controllers/job":         14,
	"orchestrator/controllers/cronjob":     14,
	"orchestrator/kubelet":                 15,
	"orchestrator/proxy":                   17,
	"orchestrator/dns":                     17,
	"orchestrator/ingress":                 18,
	"orchestrator/controllers/volume":      19,
	"orchestrator/metrics":                 20,
}

// top lists the trees that may import anything of the module.
var top = []string{"cmd", "labs", "internal/testutil", "internal/vmtest", "internal/doctor", "internal/compat", "internal/kubetest"}

// chapterOf returns the lab of a package (relative path) and whether it is
// in the map at all.
func chapterOf(rel string) (int, bool) {
	best, lab := "", 0
	for prefix, n := range chapters {
		if (rel == prefix || strings.HasPrefix(rel, prefix+"/")) && len(prefix) > len(best) {
			best, lab = prefix, n
		}
	}
	return lab, best != ""
}

func under(rel, tree string) bool { return rel == tree || strings.HasPrefix(rel, tree+"/") }

// packageImports reads the imports of every Go package in the module,
// test files included (a test must obey the layers too).
func packageImports(t *testing.T) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if f.Name.Name == "runtime" {
			t.Errorf("%s: package named runtime shadows the standard library (rule 5)", dir)
		}
		for _, imp := range f.Imports {
			pkgs[dir] = append(pkgs[dir], strings.Trim(imp.Path.Value, `"`))
		}
		if _, ok := pkgs[dir]; !ok {
			pkgs[dir] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk module: %v", err)
	}
	return pkgs
}

func isTop(rel string) bool {
	for _, tr := range top {
		if under(rel, tr) {
			return true
		}
	}
	return rel == "."
}

func TestLayout(t *testing.T) {
	pkgs := packageImports(t)
	dirs := make([]string, 0, len(pkgs))
	for d := range pkgs {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		checkPackage(t, dir, pkgs[dir])
	}
}

func checkPackage(t *testing.T, dir string, imports []string) {
	if isTop(dir) {
		return
	}
	lab, ok := chapterOf(dir)
	if !ok {
		t.Errorf("%s: not in the chapter map; add it to chapters in layout_test.go and DESIGN.md", dir)
		return
	}
	node := under(dir, "runtime") || under(dir, "image") || under(dir, "netns") || under(dir, "cgroups")
	controlPlane := under(dir, "orchestrator") && !under(dir, "orchestrator/kubelet") && !under(dir, "orchestrator/proxy")
	for _, imp := range imports {
		if controlPlane && (imp == "syscall" || imp == "golang.org/x/sys/unix") {
			t.Errorf("%s imports %s: control-plane code uses no Linux syscalls (rule 3)", dir, imp)
		}
		if !strings.HasPrefix(imp, module+"/") {
			continue
		}
		rel := strings.TrimPrefix(imp, module+"/")
		if node && under(rel, "orchestrator") {
			t.Errorf("%s imports %s: the node world never imports orchestrator/ (rule 1)", dir, rel)
		}
		if under(rel, "orchestrator/store") && !under(dir, "orchestrator/apiserver") && !under(dir, "orchestrator/store") {
			t.Errorf("%s imports %s: only orchestrator/apiserver imports the store (rule 2)", dir, rel)
		}
		if under(rel, "cmd") || under(rel, "labs") {
			t.Errorf("%s imports %s: cmd/ and labs/ are not importable", dir, rel)
			continue
		}
		if other, ok := chapterOf(rel); ok && other > lab {
			t.Errorf("%s (lab %02d) imports %s (lab %02d): a package imports only its own chapter or earlier ones (rule 4)", dir, lab, rel, other)
		}
	}
}

func TestLayoutHasNoStrayTopLevelDirs(t *testing.T) {
	allowed := map[string]bool{"cmd": true, "labs": true, "runtime": true, "image": true, "netns": true,
		"cgroups": true, "orchestrator": true, "scripts": true, "bin": true, "internal": true, "docs": true}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && !allowed[e.Name()] {
			t.Errorf("top-level directory %s is not part of DESIGN.md's layout", e.Name())
		}
	}
}
