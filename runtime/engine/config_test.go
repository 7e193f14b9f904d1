package engine

import (
	"strings"
	"testing"
)

func TestParseVolume(t *testing.T) {
	v, err := ParseVolume("/home:/test:ro", "/vols")
	if err != nil || v.Source != "/home" || v.Dest != "/test" || !v.ReadOnly {
		t.Errorf("ParseVolume = %+v, %v", v, err)
	}
	v, err = ParseVolume("data:/var/lib/data", "/vols")
	if err != nil || v.Named != "data" || v.Source != "/vols/data/_data" {
		t.Errorf("named volume = %+v, %v", v, err)
	}
	for _, bad := range []string{"/a", "rel/x:/y", "/a:b", "/a:/b:rx", ":/b", "/a:/b:ro:x"} {
		if _, err := ParseVolume(bad, "/vols"); err == nil || !strings.Contains(err.Error(), "-v") {
			t.Errorf("ParseVolume(%q) = %v, want an error naming -v", bad, err)
		}
	}
}

func TestResources(t *testing.T) {
	r, err := ResourceFlags{Memory: "64m", MemorySwap: "128m", CPUs: "0.5", PidsLimit: 20, CpusetCPUs: "0"}.Resources()
	if err != nil {
		t.Fatal(err)
	}
	if *r.Memory.Limit != 64<<20 || *r.Memory.Swap != 128<<20 || *r.CPU.Quota != 50000 || *r.CPU.Period != 100000 || *r.Pids.Limit != 20 || r.CPU.Cpus != "0" {
		t.Errorf("resources = %+v", r)
	}
	if r, err := (ResourceFlags{}).Resources(); r != nil || err != nil {
		t.Errorf("no flags: %+v, %v", r, err)
	}
	for name, f := range map[string]ResourceFlags{
		"--memory":       {Memory: "lots"},
		"--memory-swap":  {Memory: "64m", MemorySwap: "32m"},
		"--cpus":         {CPUs: "-1"},
		"--cpu-shares":   {CPUShares: 1},
		"--blkio-weight": {BlkioWeight: 5},
	} {
		if _, err := f.Resources(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestFill(t *testing.T) {
	var rc RunConfig
	if err := rc.Fill([]string{"busybox", "echo", "hi"}, false, ""); err != nil || rc.Image != "busybox" || len(rc.Cmd) != 2 {
		t.Errorf("Fill = %+v, %v", rc, err)
	}
	rc = RunConfig{Rootfs: "/r"}
	if err := rc.Fill(nil, false, ""); err == nil {
		t.Error("--rootfs without a command accepted")
	}
	rc = RunConfig{}
	if err := rc.Fill([]string{"busybox"}, true, ""); err != nil || !rc.EntrypointSet || rc.Entrypoint != nil {
		t.Errorf("--entrypoint \"\": %+v, %v", rc, err)
	}
}
