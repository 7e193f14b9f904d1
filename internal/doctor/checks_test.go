package doctor

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fakeHost(t *testing.T, files map[string]string) Host {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, "proc", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return Host{
		Proc: filepath.Join(dir, "proc"), DataDir: filepath.Join(dir, "data"), Busybox: filepath.Join(dir, "nobusybox"),
		NftablesWorks: func() error { return errors.New("protocol not supported") },
		CgroupSummary: func() (string, []string, error) { return "unified (cgroup v2)", []string{"cpu", "pids"}, nil },
	}
}

func TestFindingsCarryFixes(t *testing.T) {
	h := fakeHost(t, map[string]string{
		"sys/kernel/osrelease": "5.4.0-generic",
		"filesystems":          "nodev\tproc\n",
		"self/mountinfo":       "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n",
	})
	byCheck := map[string]Finding{}
	for _, f := range Run(h) {
		byCheck[f.Check] = f
		if f.Level != OK && f.Fix == "" {
			t.Errorf("%s: %s without a fix", f.Check, f.Level)
		}
	}
	if byCheck["kernel"].Level != Fail {
		t.Errorf("kernel 5.4 must fail: %+v", byCheck["kernel"])
	}
	if f := byCheck["cgroups"]; f.Level != Warn || !strings.Contains(f.Fix, "memory") {
		t.Errorf("missing memory controller: %+v", f)
	}
	if byCheck["overlayfs"].Level != Warn || byCheck["nftables"].Level != Warn || byCheck["busybox image"].Level != Warn {
		t.Errorf("overlay/nftables/busybox should warn: %+v", byCheck)
	}
	if !strings.HasPrefix(byCheck["propagation of /"].Detail, "shared") {
		t.Errorf("propagation: %+v", byCheck["propagation of /"])
	}
	var sb strings.Builder
	if n := Print(&sb, Run(h)); n != 1 {
		t.Errorf("Print counted %d failures, want 1:\n%s", n, sb.String())
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string][2]int{"6.1.0-26-amd64": {6, 1}, "5.15.0": {5, 15}, "4.19+": {4, 19}, "": {0, 0}} {
		if ma, mi := parseVersion(in); ma != want[0] || mi != want[1] {
			t.Errorf("parseVersion(%q) = %d.%d", in, ma, mi)
		}
	}
}
