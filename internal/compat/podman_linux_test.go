package compat

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skiffrun/skiff/internal/testutil"
)

// podmanHostPaths are where a podman that is not isolated would write:
// the test fails if anything appears there. The runtimes' default state
// directories (/run/runc, /run/skiff) are checked too, after
// keepDefaultRoots has removed what the test made there.
var podmanHostPaths = []string{
	"/run/libpod", "/var/lib/containers", "/run/containers", "/etc/cni", "/var/lib/cni",
	"/etc/containers/networks", "/run/runc", "/run/skiff",
}

// podman is one isolated podman: storage (vfs), run root, tmp dir, network
// configuration and its configuration files live under dir; containers run
// from a busybox rootfs directory with no network, and their cgroups nest
// below the test's own memory cgroup (cgroupParent, absolute, as podman's
// cgroupfs manager wants it). conmon stays in the test's cgroup.
type podman struct {
	dir, rootfs, cgroupParent string
	env                       []string
}

func newPodman(t testing.TB, rts []ociRuntime) *podman {
	t.Helper()
	requireBinaries(t, "podman", "podman", "conmon")
	watchHost(t, podmanHostPaths...)
	dir := workDir(t, "compat-podman-")
	if err := os.Chmod(dir, 0o755); err != nil { // the rootfs, for a user namespace's root
		t.Fatal(err)
	}
	checkMountsAtEnd(t, dir)
	name := fmt.Sprintf("skiff-compat-%d-podman", os.Getpid())
	removeCgroupsAtEnd(t, name)
	reapAtEnd(t, dir)
	for _, rt := range rts {
		keepDefaultRoot(t, rt)
	}
	p := &podman{
		dir:          dir,
		rootfs:       busyboxRootfs(t, dir),
		cgroupParent: filepath.Join(ownMemoryCgroup(t), name),
		env:          []string{"CONTAINERS_CONF=" + dir + "/containers.conf", "CONTAINERS_STORAGE_CONF=" + dir + "/storage.conf"},
	}
	p.writeConfig(t)
	t.Cleanup(func() { p.removeAll(t, rts) })
	return p
}

// writeConfig isolates podman and the `podman container cleanup` that
// conmon runs when a container exits (it gets conmon's environment only).
// The ulimits stay within ours: podman's default (nofile 1048576) needs
// CAP_SYS_RESOURCE, which the test may not have. events: none.
func (p *podman) writeConfig(t testing.TB) {
	t.Helper()
	conf := fmt.Sprintf(`[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
cgroups = "no-conmon"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "none"
tmp_dir = "%[1]s/tmp"
conmon_env_vars = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "%[2]s", "%[3]s"]

[network]
network_config_dir = "%[1]s/net"
`, p.dir, p.env[0], p.env[1])
	storage := fmt.Sprintf("[storage]\ndriver = \"vfs\"\nrunroot = \"%[1]s/run\"\ngraphroot = \"%[1]s/storage\"\n", p.dir)
	for name, data := range map[string]string{"containers.conf": conf, "storage.conf": storage} {
		if err := os.WriteFile(filepath.Join(p.dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// args are podman's global flags: everything in p.dir, and rt as the OCI
// runtime, given as a path. The runtime keeps its state in its default
// root: podman passes --runtime-flag values (such as root=DIR) to create,
// start, exec and kill but not to delete, so another root would strand
// every container's state.
func (p *podman) args(rt ociRuntime, args ...string) []string {
	return append([]string{
		"--root", p.dir + "/storage", "--runroot", p.dir + "/run", "--tmpdir", p.dir + "/tmp",
		"--network-config-dir", p.dir + "/net", "--storage-driver", "vfs",
		"--cgroup-manager", "cgroupfs", "--events-backend", "none", "--log-level", "error",
		"--runtime", rt.path,
	}, args...)
}

func (p *podman) run(t testing.TB, rt ociRuntime, stdin string, args ...string) result {
	t.Helper()
	return run(t, p.env, stdin, "podman", p.args(rt, args...)...)
}

// container are the flags of every container: rootfs, no network, our
// cgroup parent.
func (p *podman) container(args ...string) []string {
	return append([]string{"--network", "none", "--cgroup-parent", p.cgroupParent, "--rootfs", p.rootfs}, args...)
}

// removeAll removes every container podman still has (none, unless a
// test failed half-way).
// Each container is removed through its own runtime, so one pass per
// runtime; a pass may fail on the other runtime's containers.
func (p *podman) removeAll(t testing.TB, rts []ociRuntime) {
	var r result
	for _, rt := range rts {
		p.run(t, rt, "", "pod", "rm", "-a", "-f", "-t", "0")
		r = p.run(t, rt, "", "rm", "-a", "-f", "-t", "0")
	}
	if left := p.run(t, rts[0], "", "ps", "-a", "-q"); left.stdout != "" {
		t.Errorf("podman rm -af left containers: %s (last rm: %s)", left.stdout, r)
	}
}

// TestPodman drives podman with --runtime set to runc and then to
// skiff-runc, through the same scenarios: a container run to completion,
// a terminal, a detached container with exec, kill and rm, and a create
// that fails in the init.
func TestPodman(t *testing.T) {
	rts := runtimes(t)
	p := newPodman(t, rts)
	for _, rt := range rts {
		t.Run(rt.name, func(t *testing.T) {
			t.Run("run", func(t *testing.T) { podmanRun(t, p, rt) })
			t.Run("terminal", func(t *testing.T) { podmanTerminal(t, p, rt) })
			t.Run("mounts", func(t *testing.T) { podmanMounts(t, p, rt) })
			t.Run("detached", func(t *testing.T) { podmanDetached(t, p, rt) })
			t.Run("pod", func(t *testing.T) { podmanPod(t, p, rt) })
			t.Run("user namespace", func(t *testing.T) { podmanUserNamespace(t, p, rt) })
			t.Run("create error", func(t *testing.T) { podmanCreateError(t, p, rt) })
		})
	}
}

// podmanRun: output on both streams and the exit status come back.
func podmanRun(t *testing.T, p *podman, rt ociRuntime) {
	r := p.run(t, rt, "", append([]string{"run", "--rm"}, p.container("sh", "-c", "echo hi; echo oops >&2; exit 3")...)...)
	want(t, "podman run --rm", r, 3, "hi\n")
	if !strings.Contains(r.stderr, "oops") {
		t.Errorf("podman run --rm: stderr %q, want oops", r.stderr)
	}
}

// podmanMounts: a volume, --read-only (podman adds tmpfs on /run, /tmp
// and /var/tmp) and --tmpfs. podman marks its tmpfs mounts "tmpcopyup", a
// runc extension: the tmpfs starts with a copy of what the image has at
// that path (here /etc/group).
func podmanMounts(t *testing.T, p *podman, rt ociRuntime) {
	vol := filepath.Join(p.dir, "vol")
	if err := os.MkdirAll(vol, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(vol, "f"), []byte("from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := "cat /vol/f; grep ^root: /etc/group; touch /etc/new /tmp/new && ! touch /x 2>/dev/null && echo ok"
	args := []string{"run", "--rm", "--read-only", "--tmpfs", "/etc", "-v", vol + ":/vol:ro"}
	r := p.run(t, rt, "", append(args, p.container("sh", "-c", script)...)...)
	want(t, "podman run --read-only --tmpfs -v", r, 0, "from the host\nroot:x:0:\nok\n")
}

// podmanTerminal: -t gives the container a pty of its own (conmon gets its
// master over --console-socket); with -i what we type reaches its shell.
func podmanTerminal(t *testing.T, p *podman, rt ociRuntime) {
	r := runTTY(t, p.env, "podman", p.args(rt, append([]string{"run", "--rm", "-t"}, p.container("sh", "-c", "tty; exit 4")...)...)...)
	want(t, "podman run -t", r, 4, "/dev/pts/")
	r = typeTTY(t, p.env, "echo typed-$((6*7)); exit 7\n", "podman", p.args(rt, append([]string{"run", "--rm", "-it"}, p.container("sh")...)...)...)
	want(t, "podman run -it, typing", r, 7, "typed-42")
}

// podmanDetached: run -d, the container in its cgroup (with the memory
// and pids limits asked for) and in the runtime's state, exec (status, stdin, terminal), pause and unpause, stop and start
// again, kill, wait, rm.
func podmanDetached(t *testing.T, p *podman, rt ociRuntime) {
	name := "compat-detached-" + rt.name
	r := p.run(t, rt, "", append([]string{"run", "-d", "--name", name, "--memory", "64m", "--pids-limit", "64"}, p.container("sleep", "1000")...)...)
	if r.code != 0 {
		t.Fatalf("podman run -d: %s", r)
	}
	id := strings.TrimSpace(r.stdout)
	insp := p.run(t, rt, "", "inspect", "--format", "{{.State.Pid}}", name)
	pid, err := strconv.Atoi(strings.TrimSpace(insp.stdout))
	if err != nil || pid <= 0 {
		t.Fatalf("podman inspect pid: %s", insp)
	}
	cgroupDir := wantBelowOwnCgroup(t, pid)
	wantLimits(t, pid, "67108864", "64")
	state := run(t, nil, "", rt.path, "--root="+rt.root, "state", id)
	want(t, rt.name+" state", state, 0, `"status": "running"`)

	want(t, "podman exec", p.run(t, rt, "", "exec", name, "sh", "-c", "echo in-exec; exit 5"), 5, "in-exec\n")
	want(t, "podman exec -i", p.run(t, rt, "line one\n", "exec", "-i", name, "cat"), 0, "line one\n")
	want(t, "podman exec -t", runTTY(t, p.env, "podman", p.args(rt, "exec", "-t", name, "sh", "-c", "tty; exit 6")...), 6, "/dev/pts/")

	want(t, "podman pause", p.run(t, rt, "", "pause", name), 0)
	want(t, rt.name+" state (paused)", run(t, nil, "", rt.path, "--root="+rt.root, "state", id), 0, `"status": "paused"`)
	want(t, "podman unpause", p.run(t, rt, "", "unpause", name), 0)
	want(t, "podman exec after unpause", p.run(t, rt, "", "exec", name, "true"), 0)

	// stop: TERM (which sleep as pid 1 ignores), then KILL after 1s; start
	// creates the container again in the runtime.
	want(t, "podman stop", p.run(t, rt, "", "stop", "-t", "1", name), 0)
	want(t, "podman start", p.run(t, rt, "", "start", name), 0)
	want(t, "podman exec after restart", p.run(t, rt, "", "exec", name, "sh", "-c", "echo again"), 0, "again\n")

	want(t, "podman kill", p.run(t, rt, "", "kill", "--signal", "KILL", name), 0)
	want(t, "podman wait", p.run(t, rt, "", "wait", name), 0, "137")
	want(t, "podman rm", p.run(t, rt, "", "rm", name), 0)
	if st := run(t, nil, "", rt.path, "--root="+rt.root, "state", id); st.code == 0 {
		t.Errorf("%s state after podman rm: %s, want the container gone", rt.name, st)
	}
	wantGone(t, cgroupDir)
}

// podmanPod: a container in a pod joins the namespaces of the pod's infra
// container (podman's pause image, built from catatonit) by path: the
// runtime's setns path.
func podmanPod(t *testing.T, p *podman, rt ociRuntime) {
	if _, err := os.Stat("/usr/libexec/podman/catatonit"); err != nil {
		t.Skip("needs /usr/libexec/podman/catatonit (apt-get install catatonit) for podman's pause image")
	}
	pod := "compat-pod-" + rt.name
	parent := p.cgroupParent + "/" + pod
	// The pod's parent is ours to remove, and podman leaves the pod's own
	// cgroup in hierarchies it does not manage (runc makes it in
	// name=systemd and the unified one): not container cgroups, so removed
	// quietly.
	t.Cleanup(func() {
		hierarchies, _ := filepath.Glob("/sys/fs/cgroup/*")
		for _, h := range hierarchies {
			removeCgroupTree(t, filepath.Join(h, parent), false)
		}
	})
	if r := p.run(t, rt, "", "pod", "create", "--name", pod, "--network", "none", "--cgroup-parent", parent); r.code != 0 {
		t.Fatalf("podman pod create: %s", r)
	}
	defer func() { want(t, "podman pod rm", p.run(t, rt, "", "pod", "rm", "-f", "-t", "0", pod), 0) }()
	want(t, "podman pod start", p.run(t, rt, "", "pod", "start", pod), 0)
	insp := p.run(t, rt, "", "pod", "inspect", "--format", "{{.InfraContainerID}}", pod)
	infraPid := p.run(t, rt, "", "inspect", "--format", "{{.State.Pid}}", strings.TrimSpace(insp.stdout))
	if pid, err := strconv.Atoi(strings.TrimSpace(infraPid.stdout)); err == nil {
		wantBelowOwnCgroup(t, pid)
	}
	var wantNs []string
	for _, ns := range []string{"ipc", "uts", "net"} {
		link, err := os.Readlink("/proc/" + strings.TrimSpace(infraPid.stdout) + "/ns/" + ns)
		if err != nil {
			t.Fatalf("infra container %s (%s): %v", insp.stdout, infraPid, err)
		}
		wantNs = append(wantNs, link)
	}
	// The pod gives the network (none) and the cgroup parent.
	r := p.run(t, rt, "", "run", "--rm", "--pod", pod, "--rootfs", p.rootfs, "sh", "-c", "for ns in ipc uts net; do readlink /proc/self/ns/$ns; done")
	want(t, "podman run --pod", r, 0, wantNs...)
}

// podmanUserNamespace: root in the container is uid 100000 outside. The
// files podman bind-mounts (.containerenv, hosts, hostname, resolv.conf)
// live in its 0700 run root, which that uid cannot reach: the runtime
// must open them as the host's root (runc opens bind sources in its
// parent and mounts them by descriptor).
func podmanUserNamespace(t *testing.T, p *podman, rt ociRuntime) {
	// A rootfs of the container's root, as podman chowns an image's
	// layers for --uidmap: mount targets are made inside the namespace.
	rootfs := filepath.Join(p.dir, "rootfs-userns-"+rt.name) // p.dir is 0755
	testutil.BusyboxRootfs(t, rootfs)
	chownTree(t, rootfs, 100000)
	args := []string{"run", "--rm", "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536",
		"--network", "none", "--cgroup-parent", p.cgroupParent, "--rootfs", rootfs,
		"sh", "-c", "id -u; cat /proc/self/uid_map; cat /etc/hostname >/dev/null && echo mounted"}
	want(t, "podman run --uidmap", p.run(t, rt, "", args...), 0, "0\n", "100000", "mounted")
}

// chownTree gives every file under dir (links themselves) to uid and gid id.
func chownTree(t *testing.T, dir string, id int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, id, id)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// podmanCreateError: a limit the init cannot set must fail create (podman:
// exit 126 with the runtime's message), not start a container that then
// dies with exit 1.
func podmanCreateError(t *testing.T, p *podman, rt ociRuntime) {
	limit := fmt.Sprintf("nofile=%d:%d", nrOpenPlusOne(t), nrOpenPlusOne(t))
	r := p.run(t, rt, "", append([]string{"run", "--rm", "--ulimit", limit}, p.container("true")...)...)
	if r.code != 126 {
		t.Errorf("podman run --ulimit %s: %s, want exit 126: the runtime's create must fail", limit, r)
	}
	// podman maps the runtime's message to its status: 127 when it says
	// "executable file not found in" or "no such file or directory".
	for _, prog := range []string{"/no/such/program", "nosuchprogram"} {
		r = p.run(t, rt, "", append([]string{"run", "--rm"}, p.container(prog)...)...)
		if r.code != 127 || !strings.Contains(r.stderr, prog) {
			t.Errorf("podman run of a missing program: %s, want exit 127 naming it", r)
		}
	}
}

// BenchmarkPodmanRunRm times `podman run --rm ... true` (rootfs, no
// network) with skiff-runc and with runc, alternating, and reports the
// median of the per-pair ratios skiff-runc/runc.
func BenchmarkPodmanRunRm(b *testing.B) {
	rts := runtimes(b)
	if len(rts) < 2 {
		b.Skip("needs runc as the peer")
	}
	p := newPodman(b, rts)
	once := func(rt ociRuntime) time.Duration {
		start := time.Now()
		if r := p.run(b, rt, "", append([]string{"run", "--rm"}, p.container("true")...)...); r.code != 0 {
			b.Fatalf("podman run --rm with %s: %s", rt.name, r)
		}
		return time.Since(start)
	}
	benchPairs(b, rts[0], rts[1], once)
}

// benchPairs runs once for peer and subject, alternating which goes
// first, after one warm-up each, and reports both medians and the median
// ratio subject/peer.
func benchPairs(b *testing.B, peer, subject ociRuntime, once func(ociRuntime) time.Duration) {
	once(peer)
	once(subject)
	var peerMs, subjMs, ratios []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var dp, ds time.Duration
		if i%2 == 0 {
			dp, ds = once(peer), once(subject)
		} else {
			ds, dp = once(subject), once(peer)
		}
		peerMs = append(peerMs, float64(dp.Microseconds())/1000)
		subjMs = append(subjMs, float64(ds.Microseconds())/1000)
		ratios = append(ratios, float64(ds)/float64(dp))
	}
	b.StopTimer()
	b.ReportMetric(median(subjMs), subject.name+"-ms")
	b.ReportMetric(median(peerMs), peer.name+"-ms")
	b.ReportMetric(median(ratios), "ratio")
	b.Logf("%d pairs: %s median %.1f ms, %s median %.1f ms, median ratio %s/%s %.2f",
		b.N, subject.name, median(subjMs), peer.name, median(peerMs), subject.name, peer.name, median(ratios))
}
