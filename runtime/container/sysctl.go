package container

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// namespacedSysctl reports whether a sysctl belongs to a namespace the
// container has, so that setting it cannot change the host (runc's rule):
// IPC ones need the IPC namespace, net.* the network namespace, and
// kernel.hostname/domainname the UTS namespace.
func namespacedSysctl(key string, has func(specs.LinuxNamespaceType) bool) bool {
	ipc := map[string]bool{"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true, "kernel.sem": true,
		"kernel.shmall": true, "kernel.shmmax": true, "kernel.shmmni": true, "kernel.shm_rmid_forced": true}
	switch {
	case ipc[key] || strings.HasPrefix(key, "fs.mqueue."):
		return has(specs.IPCNamespace)
	case strings.HasPrefix(key, "net."):
		return has(specs.NetworkNamespace)
	case key == "kernel.hostname" || key == "kernel.domainname":
		return has(specs.UTSNamespace)
	}
	return false
}

// checkSysctls refuses sysctls that would change the host.
func checkSysctls(l *specs.Linux) error {
	has := func(t specs.LinuxNamespaceType) bool {
		for _, ns := range l.Namespaces {
			if ns.Type == t {
				return true
			}
		}
		return false
	}
	for key := range l.Sysctl {
		if strings.Contains(key, "/") || strings.Contains(key, "..") || !namespacedSysctl(key, has) {
			return fmt.Errorf("linux.sysctl %q: not allowed: only sysctls of the container's own IPC, network or UTS namespace can be set", key)
		}
	}
	return nil
}

// setSysctls writes each sysctl under /proc/sys (inside the container,
// before /proc/sys is made read-only).
func setSysctls(sysctls map[string]string) error {
	for key, value := range sysctls {
		path := filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
		if err := os.WriteFile(path, []byte(value), 0); err != nil {
			return fmt.Errorf("sysctl %s=%s: %w", key, value, err)
		}
	}
	return nil
}
