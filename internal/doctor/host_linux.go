package doctor

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/google/nftables"

	"github.com/skiffrun/skiff/cgroups"
)

// LocalHost is this machine, seen through /proc and /sys.
func LocalHost(dataDir string) Host {
	return Host{
		Proc: "/proc", Sys: "/sys", DataDir: dataDir, Busybox: "/bin/busybox",
		NftablesWorks: listTables,
		CgroupSummary: cgroupSummary,
	}
}

// listTables asks the kernel for its nftables tables (read only).
func listTables() error {
	c, err := nftables.New()
	if err != nil {
		return err
	}
	_, err = c.ListTables()
	return err
}

// cgroupSummary names the mode and the controllers skiff can use.
func cgroupSummary() (string, []string, error) {
	mode, err := cgroups.DetectMode()
	if err != nil {
		return "", nil, err
	}
	if mode.V2() {
		data, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers")
		if err != nil {
			return "", nil, fmt.Errorf("read cgroup.controllers: %w", err)
		}
		return "unified (cgroup v2)", strings.Fields(string(data)), nil
	}
	entries, err := os.ReadDir("/sys/fs/cgroup")
	if err != nil {
		return "", nil, err
	}
	var ctrls []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "unified" && e.Name() != "systemd" && !strings.Contains(e.Name(), ",") {
			ctrls = append(ctrls, e.Name())
		}
	}
	sort.Strings(ctrls)
	label := "legacy (cgroup v1)"
	if _, err := os.Stat("/sys/fs/cgroup/unified/cgroup.controllers"); err == nil {
		label = "hybrid (v1 controllers + an empty cgroup2 at /sys/fs/cgroup/unified)"
	}
	return label, ctrls, nil
}
