package spec

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeBundle(t *testing.T, config string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ConfigName), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestDefaultRoundTrips(t *testing.T) {
	data, err := json.Marshal(Default())
	if err != nil {
		t.Fatal(err)
	}
	bundle := writeBundle(t, string(data))
	s, rootfs, err := Load(bundle)
	if err != nil {
		t.Fatalf("Load(default) = %v", err)
	}
	if rootfs != filepath.Join(bundle, "rootfs") || s.Hostname != "skiff" {
		t.Errorf("rootfs %q hostname %q", rootfs, s.Hostname)
	}
}

func TestLoadRejectsBadConfigs(t *testing.T) {
	base := func(edit func(m map[string]any)) string {
		var m map[string]any
		data, _ := json.Marshal(Default())
		_ = json.Unmarshal(data, &m)
		edit(m)
		out, _ := json.Marshal(m)
		return string(out)
	}
	cases := map[string]struct{ config, want string }{
		"syntax":       {"{\n\"ociVersion\": \"1.0.0\",\n  oops\n}", "line 3"},
		"wrong type":   {base(func(m map[string]any) { m["hostname"] = 7 }), "hostname"},
		"no version":   {base(func(m map[string]any) { delete(m, "ociVersion") }), "ociVersion"},
		"new version":  {base(func(m map[string]any) { m["ociVersion"] = "2.0.0" }), "ociVersion"},
		"no args":      {base(func(m map[string]any) { m["process"].(map[string]any)["args"] = []string{} }), "process.args"},
		"relative cwd": {base(func(m map[string]any) { m["process"].(map[string]any)["cwd"] = "tmp" }), "process.cwd"},
		"bad ns": {base(func(m map[string]any) {
			m["linux"].(map[string]any)["namespaces"] = []map[string]string{{"type": "bogus"}}
		}), "linux.namespaces[0].type"},
		"bad rlimit": {base(func(m map[string]any) {
			m["process"].(map[string]any)["rlimits"] = []map[string]any{{"type": "RLIMIT_BOGUS", "hard": 1, "soft": 1}}
		}), "process.rlimits[0]"},
		"no rootfs": {base(func(m map[string]any) { m["root"] = map[string]any{"path": "missing"} }), "root.path"},
		"missing hook": {base(func(m map[string]any) {
			m["hooks"] = map[string]any{"createRuntime": []map[string]any{{"path": "/no/such/hook"}}}
		}), "hooks.createRuntime[0].path"},
		"relative hook": {base(func(m map[string]any) {
			m["hooks"] = map[string]any{"startContainer": []map[string]any{{"path": "bin/hook"}}}
		}), "hooks.startContainer[0].path"},
		"bad io priority": {base(func(m map[string]any) {
			m["process"].(map[string]any)["ioPriority"] = map[string]any{"class": "IOPRIO_CLASS_FAST"}
		}), "process.ioPriority.class"},
		"overlapping mappings": {base(func(m map[string]any) {
			m["linux"].(map[string]any)["uidMappings"] = []map[string]any{
				{"containerID": 0, "hostID": 100000, "size": 1000}, {"containerID": 500, "hostID": 200000, "size": 10}}
		}), "linux.uidMappings[1]: container ids 500-509"},
		"overlapping host ids": {base(func(m map[string]any) {
			m["linux"].(map[string]any)["gidMappings"] = []map[string]any{
				{"containerID": 0, "hostID": 100000, "size": 1000}, {"containerID": 5000, "hostID": 100999, "size": 1}}
		}), "linux.gidMappings[1]: host ids"},
		"empty mapping": {base(func(m map[string]any) {
			m["linux"].(map[string]any)["uidMappings"] = []map[string]any{{"containerID": 0, "hostID": 100000, "size": 0}}
		}), "linux.uidMappings[0].size"},
	}
	for name, tc := range cases {
		_, _, err := Load(writeBundle(t, tc.config))
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrInvalid naming %q", name, err, tc.want)
		}
	}
}

func TestLoadMissingConfig(t *testing.T) {
	if _, _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("err = %v, want one naming config.json", err)
	}
}

func TestForRun(t *testing.T) {
	s := ForRun(RunOptions{Rootfs: "/r", Args: []string{"echo", "hi"}, Env: []string{"A=1"}, Hostname: "h"})
	if s.Process.Terminal || s.Root.Path != "/r" || s.Hostname != "h" {
		t.Errorf("ForRun = %+v", s)
	}
	for _, kv := range s.Process.Env {
		if strings.HasPrefix(kv, "TERM=") {
			t.Error("TERM set without a terminal")
		}
	}
	if err := Validate(s); err != nil {
		t.Errorf("ForRun config invalid: %v", err)
	}
}
