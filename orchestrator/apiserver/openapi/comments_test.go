package openapi

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite "+commentsFile+" from the k8s.io/api sources")

const commentsFile = "zz_generated.comments.go"

// TestGeneratedComments checks that commentsFile matches the comment
// markers of the k8s.io/api and apimachinery sources in the module cache
// (+optional, +required, +enum, +listType, +listMapKey, +mapType,
// +structType: reflection cannot see comments). Run with
// -update after changing their versions in go.mod.
func TestGeneratedComments(t *testing.T) {
	var dirs []string
	for _, mod := range []string{"k8s.io/api", "k8s.io/apimachinery"} {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod).Output()
		if err != nil || strings.TrimSpace(string(out)) == "" {
			t.Skipf("module %s sources not available: %v", mod, err)
		}
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	m := markers{required: map[string]bool{}, enums: map[string][]string{}, fields: map[string]string{}, structs: map[string]string{}}
	if err := m.scanModule(dirs[0], "k8s.io/api"); err != nil {
		t.Fatal(err)
	}
	if err := m.scanPackage(filepath.Join(dirs[1], "pkg/apis/meta/v1"), "k8s.io/apimachinery/pkg/apis/meta/v1"); err != nil {
		t.Fatal(err)
	}
	src, err := m.render()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(commentsFile, src, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(commentsFile)
	if err != nil || !bytes.Equal(have, src) {
		t.Fatalf("%s is stale (%v): run go test ./orchestrator/apiserver/openapi -run TestGeneratedComments -update", commentsFile, err)
	}
}

// markers collects what the comments say.
type markers struct {
	required map[string]bool     // "io.k8s.api.apps.v1.StatefulSetSpec.serviceName" -> required?
	enums    map[string][]string // "k8s.io/api/core/v1.RestartPolicy" -> values
	fields   map[string]string   // "definition.field" -> Go literal of a fieldMarkers
	structs  map[string]string   // definition -> +structType value
}

func (m *markers) scanModule(root, module string) error {
	return filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if _, err := os.Stat(filepath.Join(path, "types.go")); err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		return m.scanPackage(path, module+"/"+filepath.ToSlash(rel))
	})
}

// scanPackage reads the non-test Go files of one package.
func (m *markers) scanPackage(dir, pkgPath string) error {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return err
	}
	enumTypes := map[string]bool{}
	var consts []*ast.ValueSpec
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			return fmt.Errorf("parse %s: %w", f, err)
		}
		for _, decl := range file.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range gd.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if hasMarker(gd.Doc, "enum") || hasMarker(s.Doc, "enum") {
						enumTypes[s.Name.Name] = true
					}
					if st, ok := s.Type.(*ast.StructType); ok {
						m.scanStruct(pkgPath, s.Name.Name, st)
						doc := s.Doc
						if doc == nil {
							doc = gd.Doc
						}
						if v := markerValues(doc, "structType"); len(v) == 1 {
							m.structs[nameFromPath(pkgPath, s.Name.Name)] = v[0]
						}
					}
				case *ast.ValueSpec:
					if gd.Tok == token.CONST {
						consts = append(consts, s)
					}
				}
			}
		}
	}
	for _, c := range consts {
		id, ok := c.Type.(*ast.Ident)
		if !ok || !enumTypes[id.Name] {
			continue
		}
		for _, v := range c.Values {
			if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				value, _ := strconv.Unquote(lit.Value)
				key := pkgPath + "." + id.Name
				if !slices.Contains(m.enums[key], value) {
					m.enums[key] = append(m.enums[key], value)
				}
			}
		}
	}
	return nil
}

// scanStruct records the fields whose +optional/+required marker
// disagrees with what their json tag alone would say.
func (m *markers) scanStruct(pkgPath, typeName string, st *ast.StructType) {
	for _, f := range st.Fields.List {
		if len(f.Names) != 1 || f.Tag == nil {
			continue
		}
		tag, _ := strconv.Unquote(f.Tag.Value)
		jsonTag := reflect.StructTag(tag).Get("json")
		name, opts, _ := strings.Cut(jsonTag, ",")
		if name == "" || name == "-" || strings.Contains(opts, "inline") {
			continue
		}
		omitEmpty := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
		optional, required := hasMarker(f.Doc, "optional"), hasMarker(f.Doc, "required")
		key := nameFromPath(pkgPath, typeName) + "." + name
		listType, keys, mapType := markerValues(f.Doc, "listType"), markerValues(f.Doc, "listMapKey"), markerValues(f.Doc, "mapType")
		if lit := fieldMarkersLiteral(listType, keys, mapType); lit != "" {
			m.fields[key] = lit
		}
		switch {
		case required && !optional && omitEmpty:
			m.required[key] = true
		case optional && !required && !omitEmpty:
			m.required[key] = false
		}
	}
}

// hasMarker reports a comment line "+name" (or "+name=...").
func hasMarker(doc *ast.CommentGroup, name string) bool {
	if doc == nil {
		return false
	}
	for _, c := range doc.List {
		line := strings.TrimSpace(strings.TrimPrefix(c.Text, "//"))
		if line == "+"+name || strings.HasPrefix(line, "+"+name+"=") {
			return true
		}
	}
	return false
}

// markerValues returns the values of "+name=value" comment lines.
func markerValues(doc *ast.CommentGroup, name string) []string {
	if doc == nil {
		return nil
	}
	var out []string
	for _, c := range doc.List {
		line := strings.TrimSpace(strings.TrimPrefix(c.Text, "//"))
		if v, ok := strings.CutPrefix(line, "+"+name+"="); ok {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}

// fieldMarkersLiteral is the Go literal of a fieldMarkers value, or ""
// when the field has no list or map marker.
func fieldMarkersLiteral(listType, keys, mapType []string) string {
	var parts []string
	if len(listType) == 1 {
		parts = append(parts, fmt.Sprintf("listType: %q", listType[0]))
	}
	if len(keys) > 0 {
		parts = append(parts, fmt.Sprintf("listMapKeys: %#v", keys))
	}
	if len(mapType) == 1 {
		parts = append(parts, fmt.Sprintf("mapType: %q", mapType[0]))
	}
	if len(listType) != 1 && len(mapType) != 1 {
		return ""
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (m *markers) render() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by TestGeneratedComments -update; DO NOT EDIT.\n")
	b.WriteString("// Source: the +optional, +required, +enum, +listType, +listMapKey, +mapType and\n")
	b.WriteString("// +structType comment markers of k8s.io/api\n")
	b.WriteString("// and k8s.io/apimachinery/pkg/apis/meta/v1, which reflection cannot see.\n\n")
	b.WriteString("package openapi\n\n")
	b.WriteString("// requiredOverrides says, for \"definition.field\", whether a field is\n")
	b.WriteString("// required where its comment marker overrides the omitempty rule.\n")
	b.WriteString("var requiredOverrides = map[string]bool{\n")
	for _, k := range sortedKeys(m.required) {
		fmt.Fprintf(&b, "\t%q: %v,\n", k, m.required[k])
	}
	b.WriteString("}\n\n// enumValues lists the allowed values of the +enum string types.\n")
	b.WriteString("var enumValues = map[string][]string{\n")
	for _, k := range sortedKeys(m.enums) {
		vals := m.enums[k]
		sort.Strings(vals)
		quoted := make([]string, len(vals))
		for i, v := range vals {
			quoted[i] = strconv.Quote(v)
		}
		fmt.Fprintf(&b, "\t%q: {%s},\n", k, strings.Join(quoted, ", "))
	}
	b.WriteString("}\n\n// fieldMarkersOf holds the +listType, +listMapKey and +mapType markers\n")
	b.WriteString("// of \"definition.field\".\n")
	b.WriteString("var fieldMarkersOf = map[string]fieldMarkers{\n")
	for _, k := range sortedKeys(m.fields) {
		fmt.Fprintf(&b, "\t%q: %s,\n", k, m.fields[k])
	}
	b.WriteString("}\n\n// structMapTypes holds the +structType markers of definitions.\n")
	b.WriteString("var structMapTypes = map[string]string{\n")
	for _, k := range sortedKeys(m.structs) {
		fmt.Fprintf(&b, "\t%q: %q,\n", k, m.structs[k])
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
