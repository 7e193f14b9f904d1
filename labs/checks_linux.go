package labs

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"syscall"
)

// checksFor holds each lab's checks, in the order of its steps.
var checksFor = map[int][]Check{
	1: lab01Checks, 2: lab02Checks, 3: lab03Checks, 4: lab04Checks,
	5: lab05Checks, 6: lab06Checks, 7: lab07Checks, 8: lab08Checks,
}

// isRunning is the check "container NAME is running".
func isRunning(name, section string) Check {
	return Check{
		Name:    "container " + name + " is running",
		Hint:    "start it as the step shows, detached (-d) and with that exact --name; skiff ps lists what runs",
		Section: section,
		Run: func(ctx context.Context, e Env) error {
			_, err := e.running(ctx, name)
			return err
		},
	}
}

var lab01Checks = []Check{
	{
		Name: "the busybox image is in the store", Section: "2. An image to start from",
		Hint: "skiff builds busybox:latest offline from the host's /bin/busybox; skiff images lists the store",
		Run: func(ctx context.Context, e Env) error {
			out, err := e.skiff(ctx, "images")
			if err != nil {
				return err
			}
			if !strings.Contains(out, "busybox") {
				return fmt.Errorf("skiff images lists no busybox")
			}
			return nil
		},
	},
	isRunning("lab01", "5. The same with skiff"),
	{
		Name: "lab01 has its own pid, uts, mnt, net and ipc namespaces", Section: "6. The container from the host",
		Hint: "compare the links in /proc/PID/ns of the container's init with your shell's /proc/$$/ns",
		Run: func(ctx context.Context, e Env) error {
			c, err := e.running(ctx, "lab01")
			if err != nil {
				return err
			}
			for _, ns := range []string{"pid", "uts", "mnt", "net", "ipc"} {
				mine, _ := os.Readlink("/proc/self/ns/" + ns)
				its, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", c.State.Pid, ns))
				if err != nil || its == mine {
					return fmt.Errorf("lab01 shares the %s namespace %s with this shell", ns, mine)
				}
			}
			return nil
		},
	},
	{
		Name: "lab01's program is PID 1 in its own pid namespace", Section: "6. The container from the host",
		Hint: "the NSpid line of /proc/PID/status lists a process's PID in each pid namespace, outermost first",
		Run: func(ctx context.Context, e Env) error {
			c, err := e.running(ctx, "lab01")
			if err != nil {
				return err
			}
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.State.Pid))
			if err != nil {
				return err
			}
			for _, line := range strings.Split(string(b), "\n") {
				if f := strings.Fields(line); len(f) > 2 && f[0] == "NSpid:" && f[len(f)-1] == "1" {
					return nil
				}
			}
			return fmt.Errorf("PID %d is not PID 1 in a namespace of its own", c.State.Pid)
		},
	},
}

// cgroupValue checks one limit of lab02 through its cgroup file.
func cgroupValue(name, v2, v1, section string, ok func(string) bool) Check {
	return Check{
		Name: name, Section: section,
		Hint: "the limits are flags of skiff run; the container must be started with all three of them",
		Run: func(ctx context.Context, e Env) error {
			c, err := e.running(ctx, "lab02")
			if err != nil {
				return err
			}
			v, err := cgroupFile(c.State.Pid, v2, v1)
			if err != nil {
				return err
			}
			if !ok(v) {
				return fmt.Errorf("the cgroup file says %q", oneLine(v))
			}
			return nil
		},
	}
}

// cgroupCounter checks that a counter of lab02's cgroup went above zero.
func cgroupCounter(name, v2, v1, key, hint, section string) Check {
	return Check{
		Name: name, Section: section, Hint: hint,
		Run: func(ctx context.Context, e Env) error {
			c, err := e.running(ctx, "lab02")
			if err != nil {
				return err
			}
			v, err := cgroupFile(c.State.Pid, v2, v1)
			if err != nil {
				return err
			}
			if n := field(v, key); n <= 0 {
				return fmt.Errorf("%s is %d in %s", key, n, v2)
			}
			return nil
		},
	}
}

var lab02Checks = []Check{
	isRunning("lab02", "1. A container with limits"),
	cgroupValue("lab02 may use 32 MiB of memory", "memory.max", "memory/memory.limit_in_bytes", "1. A container with limits",
		func(v string) bool { return v == "33554432" }),
	cgroupValue("lab02 may run 20 processes", "pids.max", "pids/pids.max", "1. A container with limits",
		func(v string) bool { return v == "20" }),
	cgroupValue("lab02 may use a fifth of a CPU", "cpu.max", "cpu/cpu.cfs_quota_us", "1. A container with limits",
		func(v string) bool { return v == "20000 100000" || v == "20000" }),
	cgroupCounter("the fork bomb hit pids.max", "pids.events", "pids/pids.events", "max",
		"pids.events counts the forks the limit refused; run the step that starts more processes than allowed", "4. A fork bomb meets pids.max"),
	cgroupCounter("lab02 was throttled", "cpu.stat", "cpu/cpu.stat", "nr_throttled",
		"cpu.stat counts the periods in which the container used up its quota; keep a CPU busy inside it", "5. CPU throttling"),
	{
		Name: "lab02-oom was killed by the OOM killer (exit 137)", Section: "6. Memory: the OOM killer",
		Hint: "run the memory-hungry container of the step without --rm, so that it stays listed by skiff ps -a with its exit status",
		Run: func(ctx context.Context, e Env) error {
			c, err := e.inspect(ctx, "lab02-oom")
			if err != nil {
				return err
			}
			if c.ExitCode == nil || *c.ExitCode != 137 {
				return fmt.Errorf("lab02-oom is %s, exit status %v", c.State.Status, exitString(c.ExitCode))
			}
			return nil
		},
	},
}

// fileCheck passes when the file at path(e) exists.
func fileCheck(name, section, hint string, path func(Env) string) Check {
	return Check{Name: name, Section: section, Hint: hint, Run: func(ctx context.Context, e Env) error {
		_, err := os.Stat(path(e))
		return err
	}}
}

func exitString(p *int) string {
	if p == nil {
		return "none yet"
	}
	return strconv.Itoa(*p)
}

var lab03Checks = []Check{
	fileCheck("a busybox root filesystem is unpacked in /tmp/skiff-labs/03/rootfs", "1. A root filesystem",
		"skiff can unpack an image's layers into a directory",
		func(e Env) string { return filepath.Join(e.LabDir(3), "rootfs/bin/sh") }),
	{
		Name: "a mount made in a new namespace propagated into shared/", Section: "5. Mount propagation",
		Hint: "shared/ must itself be a mount point with shared propagation before the new namespace is made",
		Run: func(ctx context.Context, e Env) error {
			return mountedHere(filepath.Join(e.LabDir(3), "shared/from-ns"), true)
		},
	},
	{
		Name: "the same mount did not propagate into private/", Section: "5. Mount propagation",
		Hint: "private/ is a mount point too, but made private; the mount inside the new namespace must stay there",
		Run: func(ctx context.Context, e Env) error {
			if _, err := os.Stat(filepath.Join(e.LabDir(3), "private")); err != nil {
				return err
			}
			return mountedHere(filepath.Join(e.LabDir(3), "private/from-ns"), false)
		},
	},
	isRunning("lab03", "6. A container on your rootfs"),
	{
		Name: "lab03 runs on your rootfs, with / private in its mount namespace", Section: "6. A container on your rootfs",
		Hint: "skiff run --rootfs takes a directory instead of an image",
		Run: func(ctx context.Context, e Env) error {
			c, err := e.running(ctx, "lab03")
			if err != nil {
				return err
			}
			if c.Config.Root == nil || c.Config.Root.Path != filepath.Join(e.LabDir(3), "rootfs") {
				return fmt.Errorf("lab03's root is not %s", filepath.Join(e.LabDir(3), "rootfs"))
			}
			ms, err := mounts(strconv.Itoa(c.State.Pid))
			if err != nil {
				return err
			}
			if m, ok := findMount(ms, "/"); !ok || strings.Contains(m.Optional, "shared:") {
				return fmt.Errorf("lab03's / is %q", m.Optional)
			}
			return nil
		},
	},
}

// mountedHere checks whether path is a mount point in this mount namespace.
func mountedHere(path string, want bool) error {
	ms, err := mounts("self")
	if err != nil {
		return err
	}
	_, got := findMount(ms, path)
	switch {
	case got && !want:
		return fmt.Errorf("%s is a mount point here", path)
	case !got && want:
		return fmt.Errorf("%s is not a mount point here", path)
	}
	return nil
}

var lab04Checks = []Check{
	{
		Name: "busybox is exported as an OCI layout in /tmp/skiff-labs/04/busybox-oci", Section: "2. Export it as an OCI layout",
		Hint: "skiff image export writes an OCI image layout: oci-layout, index.json and blobs/sha256/",
		Run: func(ctx context.Context, e Env) error {
			for _, f := range []string{"oci-layout", "index.json", "blobs/sha256"} {
				if _, err := os.Stat(filepath.Join(e.LabDir(4), "busybox-oci", f)); err != nil {
					return err
				}
			}
			return nil
		},
	},
	isRunning("lab04", "3. A container's overlay"),
	{
		Name: "lab04's rootfs is an overlay of the image's layer", Section: "3. A container's overlay",
		Hint: "skiff run mounts an overlay for every container from an image",
		Run: func(ctx context.Context, e Env) error {
			m, err := rootOverlay(ctx, e)
			if err != nil {
				return err
			}
			if !strings.Contains(m.Options, "lowerdir=") || !strings.Contains(m.Options, "upperdir=") {
				return fmt.Errorf("its overlay has options %s", m.Options)
			}
			return nil
		},
	},
	upperCheck("a file written in lab04 is in the upper directory", "new.txt", "4. Copy-up and whiteouts",
		"files the container creates land in upperdir",
		func(fi os.FileInfo) bool { return fi.Mode().IsRegular() }),
	upperCheck("changing /etc/passwd in lab04 copied it up", "etc/passwd", "4. Copy-up and whiteouts",
		"a lower file is copied to upperdir the first time the container writes it",
		func(fi os.FileInfo) bool { return fi.Mode().IsRegular() }),
	upperCheck("deleting /bin/vi in lab04 left a whiteout", "bin/vi", "4. Copy-up and whiteouts",
		"overlayfs records a deleted lower file as a 0/0 character device in upperdir",
		func(fi os.FileInfo) bool {
			st, ok := fi.Sys().(*syscall.Stat_t)
			return fi.Mode()&os.ModeCharDevice != 0 && ok && st.Rdev == 0
		}),
	{
		Name: "the image lab04-hello:1 is in the store", Section: "5. A new image from a root filesystem",
		Hint: "skiff image import takes a directory and a name",
		Run: func(ctx context.Context, e Env) error {
			_, err := e.skiff(ctx, "image", "inspect", "lab04-hello:1")
			return err
		},
	},
}

// rootOverlay finds the overlay mounted for lab04's rootfs in this mount
// namespace.
func rootOverlay(ctx context.Context, e Env) (mountInfo, error) {
	c, err := e.running(ctx, "lab04")
	if err != nil {
		return mountInfo{}, err
	}
	ms, err := mounts("self")
	if err != nil {
		return mountInfo{}, err
	}
	m, ok := findMount(ms, c.Config.Root.Path)
	if !ok || m.FSType != "overlay" {
		return mountInfo{}, fmt.Errorf("no overlay is mounted at %s", c.Config.Root.Path)
	}
	return m, nil
}

func upperCheck(name, rel, section, hint string, ok func(os.FileInfo) bool) Check {
	return Check{
		Name: name, Section: section, Hint: hint,
		Run: func(ctx context.Context, e Env) error {
			m, err := rootOverlay(ctx, e)
			if err != nil {
				return err
			}
			var upper string
			for _, o := range strings.Split(m.Options, ",") {
				if v, found := strings.CutPrefix(o, "upperdir="); found {
					upper = v
				}
			}
			fi, err := os.Lstat(filepath.Join(upper, rel))
			if err != nil {
				return fmt.Errorf("upperdir has no %s", rel)
			}
			if !ok(fi) {
				return fmt.Errorf("upperdir's %s is a %v", rel, fi.Mode().Type())
			}
			return nil
		},
	}
}

// volumeCheck checks a mount of lab05 in its own mount namespace.
func volumeCheck(name, target, section, hint string, ok func(mountInfo) error) Check {
	return Check{
		Name: name, Section: section, Hint: hint,
		Run: func(ctx context.Context, e Env) error {
			c, err := e.running(ctx, "lab05")
			if err != nil {
				return err
			}
			ms, err := mounts(strconv.Itoa(c.State.Pid))
			if err != nil {
				return err
			}
			m, found := findMount(ms, target)
			if !found {
				return fmt.Errorf("nothing is mounted on %s in lab05", target)
			}
			return ok(m)
		},
	}
}

var lab05Checks = []Check{
	isRunning("lab05", "2. Bind mounts: -v HOST:CONTAINER"),
	volumeCheck("/test in lab05 is the host's /tmp/skiff-labs/05/data", "/test", "2. Bind mounts: -v HOST:CONTAINER",
		"-v takes HOST:CONTAINER, both absolute paths", func(m mountInfo) error {
			if hasOption(m, "ro") {
				return fmt.Errorf("/test is read-only")
			}
			return nil
		}),
	volumeCheck("/ro in lab05 is the same directory, read-only", "/ro", "2. Bind mounts: -v HOST:CONTAINER",
		"a third field after HOST:CONTAINER changes how the volume is mounted", func(m mountInfo) error {
			if !hasOption(m, "ro") {
				return fmt.Errorf("/ro is writable")
			}
			return nil
		}),
	fileCheck("the host sees the file a container wrote into the volume", "3. Written inside, seen outside",
		"write /test/from-container.txt from inside a container that has the volume",
		func(e Env) string { return filepath.Join(e.LabDir(5), "data/from-container.txt") }),
	fileCheck("the named volume lab05-cache holds what a container wrote", "4. Named volumes outlive containers",
		"a HOST part without '/' names a volume that skiff keeps under its data directory",
		func(e Env) string { return filepath.Join(e.Data, "volumes/lab05-cache/_data/first-run") }),
}

var lab06Checks = []Check{
	isRunning("lab06-web", "2. A web server with a published port"),
	{
		Name: "127.0.0.1:8080 answers with lab06-web's page", Section: "2. A web server with a published port",
		Hint: "-p HOSTPORT:CONTAINERPORT publishes a container port on the host; the server must listen on port 80",
		Run: func(ctx context.Context, e Env) error {
			cl := http.Client{Timeout: 3 * time.Second}
			resp, err := cl.Get("http://127.0.0.1:8080/")
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(b), "hello from lab06-web") {
				return fmt.Errorf("the page is %q", oneLine(string(b)))
			}
			return nil
		},
	},
	{
		Name: "the network lab06 exists", Section: "6. By hand, explained",
		Hint: "user-defined networks are made with skiff network create",
		Run: func(ctx context.Context, e Env) error {
			_, err := e.skiff(ctx, "network", "inspect", "lab06")
			return err
		},
	},
	{
		Name: "your hand-made namespace is attached to lab06", Section: "6. By hand, explained",
		Hint: "skiff network attach gives the namespace of a process a veth on a network; keep that process running",
		Run: func(ctx context.Context, e Env) error {
			out, err := e.skiff(ctx, "network", "inspect", "lab06")
			if err != nil {
				return err
			}
			if !strings.Contains(out, "lab06-byhand") {
				return fmt.Errorf("lab06 has no attachment named lab06-byhand")
			}
			return nil
		},
	},
}

// runcRoot is where lab 07 keeps runc's state, so reset can find it.
func runcRoot(e Env) string { return filepath.Join(e.LabDir(7), "runc") }

var lab07Checks = []Check{
	{
		Name: "the bundle has a rootfs and a config.json for a non-terminal sleep", Section: "1. A bundle: rootfs + config.json",
		Hint: "skiff spec writes the default config.json; the step edits two of its fields",
		Run: func(ctx context.Context, e Env) error {
			b, err := os.ReadFile(filepath.Join(e.LabDir(7), "bundle/config.json"))
			if err != nil {
				return err
			}
			if _, err := os.Stat(filepath.Join(e.LabDir(7), "bundle/rootfs/bin/sleep")); err != nil {
				return err
			}
			if strings.Contains(string(b), `"terminal": true`) || !strings.Contains(string(b), `"sleep"`) {
				return fmt.Errorf("config.json still asks for a terminal, or does not run sleep")
			}
			return nil
		},
	},
	{
		Name: "skiff runs the bundle as lab07", Section: "5. Leave one running on each runtime",
		Hint: "create, then start; skiff state shows the status",
		Run: func(ctx context.Context, e Env) error {
			out, err := e.skiff(ctx, "state", "lab07")
			if err != nil {
				return err
			}
			if !strings.Contains(out, `"running"`) {
				return fmt.Errorf("skiff state lab07: %s", oneLine(strings.Join(strings.Fields(out), " ")))
			}
			return nil
		},
	},
	{
		Name: "runc runs the same bundle as lab07", Section: "4. The same bundle under runc",
		Hint: "runc takes the same commands; give it --root /tmp/skiff-labs/07/runc as in the step",
		Run: func(ctx context.Context, e Env) error {
			out, err := run(ctx, "runc", "--root", runcRoot(e), "state", "lab07")
			if err != nil {
				return err
			}
			if !strings.Contains(out, `"running"`) {
				return fmt.Errorf("runc state lab07: %s", oneLine(strings.Join(strings.Fields(out), " ")))
			}
			return nil
		},
	},
}
