package pod

import (
	"context"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skiffrun/skiff/runtime/container"
	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

const webPod = `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: server
    image: busybox
    command: ["sh", "-c", "echo it works > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"]
  - name: client
    image: busybox
    command: ["sh", "-c", "until wget -q -O- http://localhost:8080/; do sleep 0.1; done; echo PODIP=$POD_IP; exec sleep 3600"]
    env:
    - name: POD_IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
`

func TestTwoContainersShareThePodNamespaces(t *testing.T) {
	l := newLab(t)
	st := l.run(webPod)
	if st.IP == "" {
		t.Fatal("no pod IP")
	}
	st = l.waitFor("web", "both containers", func(st *Status) bool { r, _ := st.Ready(); return r == 2 })
	tr := l.trace("web")
	for _, ns := range []string{"net", "ipc", "uts"} {
		want, _ := os.Readlink("/proc/" + strconv.Itoa(st.PausePid) + "/ns/" + ns)
		for _, c := range st.Containers {
			if got, _ := os.Readlink("/proc/" + strconv.Itoa(c.Pid) + "/ns/" + ns); got != want {
				t.Errorf("%s: %s namespace %s, pause has %s", c.Name, ns, got, want)
			}
		}
	}
	mnt0, _ := os.Readlink("/proc/" + strconv.Itoa(st.Containers[0].Pid) + "/ns/mnt")
	mnt1, _ := os.Readlink("/proc/" + strconv.Itoa(st.Containers[1].Pid) + "/ns/mnt")
	if mnt0 == mnt1 {
		t.Error("the two containers share a mount namespace")
	}
	l.waitFor("web", "the client's log", func(*Status) bool { return strings.Contains(l.logs("web", "client", false), "PODIP=") })
	if got := l.logs("web", "client", false); got != "it works\nPODIP="+st.IP+"\n" {
		t.Errorf("client log %q", got)
	}
	out, code := l.exec("web", "server", "sh", "-c", "hostname; cat /etc/hosts; exit 7")
	if code != 7 || !strings.HasPrefix(out, "web\n") || !strings.Contains(out, st.IP+"\tweb") {
		t.Errorf("exec: code %d output %q", code, out)
	}
	assertCRIView(t, l, st)
	assertPortForward(t, l)
	if err := Remove(context.Background(), l.cfg, "web"); err == nil {
		t.Error("rm of a running pod without force succeeded")
	}
	if err := ForceRemove(context.Background(), l.cfg, "web"); err != nil {
		t.Fatal(err)
	}
	l.assertClean("web", tr)
}

const initPod = `
apiVersion: v1
kind: Pod
metadata: {name: inits}
spec:
  restartPolicy: RESTART
  terminationGracePeriodSeconds: 1
  volumes:
  - {name: work, emptyDir: {medium: Memory}}
  initContainers:
  - name: first
    image: busybox
    command: ["sh", "-c", "echo one >> /work/order"]
    volumeMounts: [{name: work, mountPath: /work}]
  - name: second
    image: busybox
    command: ["sh", "-c", "echo two >> /work/order; SECOND"]
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "cat /work/order"]
    volumeMounts: [{name: work, mountPath: /work, readOnly: true}]
`

func TestInitContainersRunInOrder(t *testing.T) {
	l := newLab(t)
	l.run(strings.NewReplacer("RESTART", "Never", "SECOND", "true").Replace(initPod))
	st := l.waitFor("inits", "the pod to finish", terminal)
	if st.Phase != corev1.PodSucceeded {
		t.Fatalf("phase %s: %+v", st.Phase, st.Containers)
	}
	if got := l.logs("inits", "app", false); got != "one\ntwo\n" {
		t.Errorf("app saw %q, want one, two", got)
	}
}

func TestFailingInitContainerBlocksTheApp(t *testing.T) {
	l := newLab(t)
	l.run(strings.NewReplacer("RESTART", "Never", "SECOND", "exit 3").Replace(initPod))
	st := l.waitFor("inits", "the pod to fail", terminal)
	second, _ := st.Container("second")
	app, _ := st.Container("app")
	if st.Phase != corev1.PodFailed || second.ExitCode != 3 || app.Started {
		t.Errorf("phase %s, second exit %d, app started %v", st.Phase, second.ExitCode, app.Started)
	}
}

func TestFailingInitContainerIsRestartedWithBackoff(t *testing.T) {
	l := newLab(t)
	l.run(strings.NewReplacer("RESTART", "OnFailure", "SECOND", "exit 3").Replace(initPod))
	st := l.waitFor("inits", "three restarts", func(st *Status) bool { c, _ := st.Container("second"); return c.RestartCount >= 3 })
	second, _ := st.Container("second")
	app, _ := st.Container("app")
	if app.Started || st.Phase != corev1.PodPending {
		t.Errorf("the app started (phase %s) while an init container fails", st.Phase)
	}
	if got := l.logs("inits", "first", false); got != "" {
		t.Errorf("first init container logged %q", got)
	}
	if second.Kind != KindInit {
		t.Errorf("kind %s", second.Kind)
	}
}

const sidecarPod = `
apiVersion: v1
kind: Pod
metadata: {name: side}
spec:
  terminationGracePeriodSeconds: 2
  volumes:
  - {name: logs, emptyDir: {}}
  initContainers:
  - name: shipper
    image: busybox
    restartPolicy: Always
    command: ["sh", "-c", "trap 'echo shipper stops; exit 0' TERM; echo ready; touch /logs/app.log; tail -f /logs/app.log & while true; do sleep 0.1; done"]
    volumeMounts: [{name: logs, mountPath: /logs}]
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; for i in 1 2 3; do echo line $i >> /var/log/app/app.log; done; while true; do sleep 0.1; done"]
    volumeMounts: [{name: logs, mountPath: /var/log/app}]
`

func TestSidecarSeesTheMainContainersFiles(t *testing.T) {
	l := newLab(t)
	l.run(sidecarPod)
	l.waitFor("side", "the sidecar to ship the lines", func(*Status) bool { return strings.Contains(l.logs("side", "shipper", false), "line 3") })
	st, _ := Get(l.cfg, "side")
	shipper, _ := st.Container("shipper")
	main, _ := st.Container("main")
	if !shipper.StartedAt.Before(main.StartedAt) {
		t.Errorf("the sidecar started at %s, after the main container (%s)", shipper.StartedAt, main.StartedAt)
	}
	st, err := Stop(context.Background(), l.cfg, "side")
	if err != nil {
		t.Fatal(err)
	}
	shipper, _ = st.Container("shipper")
	main, _ = st.Container("main")
	if !shipper.FinishedAt.After(main.FinishedAt) {
		t.Errorf("the sidecar stopped at %s, before the main container (%s)", shipper.FinishedAt, main.FinishedAt)
	}
	if !strings.Contains(l.logs("side", "shipper", false), "shipper stops") || shipper.ExitCode != 0 {
		t.Errorf("the sidecar did not get SIGTERM: exit %d", shipper.ExitCode)
	}
}

const restartPod = `
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  hostNetwork: true
  restartPolicy: RESTART
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo run; exit CODE"]
`

func TestRestartPolicies(t *testing.T) {
	cases := []struct {
		policy, code string
		phase        corev1.PodPhase
		restarts     bool
	}{
		{"Never", "3", corev1.PodFailed, false},
		{"OnFailure", "0", corev1.PodSucceeded, false},
		{"OnFailure", "3", "", true},
		{"Always", "0", "", true},
	}
	for _, c := range cases {
		t.Run(c.policy+"-"+c.code, func(t *testing.T) {
			l := newLab(t)
			l.run(strings.NewReplacer("RESTART", c.policy, "CODE", c.code).Replace(restartPod))
			if !c.restarts {
				st := l.waitFor("crash", "the pod to finish", terminal)
				app, _ := st.Container("app")
				if st.Phase != c.phase || app.RestartCount != 0 || strconv.Itoa(app.ExitCode) != c.code {
					t.Errorf("phase %s restarts %d exit %d", st.Phase, app.RestartCount, app.ExitCode)
				}
				return
			}
			start := time.Now()
			st := l.waitFor("crash", "3 restarts", func(st *Status) bool { a, _ := st.Container("app"); return a.RestartCount >= 3 })
			// back-off with a 200 ms base: 0 + 200 + 400 ms at least.
			if took := time.Since(start); took < 600*time.Millisecond {
				t.Errorf("3 restarts in %s: back-off not applied", took)
			}
			if st.Terminal() {
				t.Errorf("phase %s", st.Phase)
			}
			if got := l.logs("crash", "app", true); got != "run\n" {
				t.Errorf("--previous log %q", got)
			}
		})
	}
}

const gracePod = `
apiVersion: v1
kind: Pod
metadata: {name: grace}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 2
  containers:
  - name: polite
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; echo ready; while true; do sleep 0.1; done"]
  - name: stubborn
    image: busybox
    command: ["sh", "-c", "trap '' TERM; echo ready; while true; do sleep 0.1; done"]
`

func TestGracePeriodIsHonoured(t *testing.T) {
	l := newLab(t)
	l.run(gracePod)
	// A shell that is pid 1 ignores SIGTERM until its trap is set.
	l.waitFor("grace", "both traps", func(*Status) bool {
		return l.logs("grace", "polite", false) == "ready\n" && l.logs("grace", "stubborn", false) == "ready\n"
	})
	start := time.Now()
	st, err := Stop(context.Background(), l.cfg, "grace")
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	polite, _ := st.Container("polite")
	stubborn, _ := st.Container("stubborn")
	if polite.ExitCode != 0 || stubborn.ExitCode != 137 {
		t.Errorf("exit codes %d and %d, want 0 (SIGTERM handled) and 137 (SIGKILL); %+v\nlogs: %s\nmonitor:\n%s", polite.ExitCode, stubborn.ExitCode, stubborn, l.logs("grace", "stubborn", false), l.monitorLog("grace"))
	}
	if took < 2*time.Second || polite.FinishedAt.Sub(start) > time.Second {
		t.Errorf("stop took %s, polite finished after %s: the grace period is 2s", took, polite.FinishedAt.Sub(start))
	}
}

const sleepPod = `
apiVersion: v1
kind: Pod
metadata: {name: sleeper}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
`

func TestKillingThePauseProcessFailsThePod(t *testing.T) {
	l := newLab(t)
	st := l.run(sleepPod)
	st = l.waitFor("sleeper", "the app", running("app"))
	tr := l.trace("sleeper")
	unix.Kill(st.PausePid, unix.SIGKILL)
	st = l.waitFor("sleeper", "the pod to fail", terminal)
	if st.Phase != corev1.PodFailed || st.Reason != "SandboxExited" {
		t.Errorf("phase %s reason %q", st.Phase, st.Reason)
	}
	if err := Remove(context.Background(), l.cfg, "sleeper"); err != nil {
		t.Fatal(err)
	}
	l.assertClean("sleeper", tr)
}

func TestKillingTheMonitorLeavesAnUnknownPodThatRmForceRemoves(t *testing.T) {
	l := newLab(t)
	l.run(sleepPod)
	st := l.waitFor("sleeper", "the app", running("app"))
	tr := l.trace("sleeper")
	unix.Kill(st.MonitorPid, unix.SIGKILL)
	st = l.waitFor("sleeper", "Unknown", func(st *Status) bool { return st.Phase == corev1.PodUnknown })
	if app, _ := st.Container("app"); unix.Kill(app.Pid, 0) != nil {
		t.Error("the container died with its monitor")
	}
	if err := Remove(context.Background(), l.cfg, "sleeper"); err == nil {
		t.Error("rm without -f removed a pod whose containers still run")
	}
	if err := ForceRemove(context.Background(), l.cfg, "sleeper"); err != nil {
		t.Fatal(err)
	}
	l.assertClean("sleeper", tr)
}

// assertCRIView checks the runtime's CRI-shaped listing of the pod.
func assertCRIView(t *testing.T, l *lab, st *Status) {
	rt, err := New(l.cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	sbs, err := rt.ListPodSandbox()
	if err != nil || len(sbs) != 1 || sbs[0].Name != "web" || sbs[0].IP != st.IP {
		t.Fatalf("ListPodSandbox: %v %+v", err, sbs)
	}
	if _, ready, _ := rt.PodSandboxStatus("web"); !ready {
		t.Error("PodSandboxStatus: not ready")
	}
	cs, err := rt.ListContainers(sbs[0])
	if err != nil || len(cs) != 2 {
		t.Fatalf("ListContainers: %v, %d containers", err, len(cs))
	}
	if c, err := rt.ContainerStatus(sbs[0], "server"); err != nil || c.Status() != container.Running {
		t.Errorf("ContainerStatus: %v", err)
	}
}

// assertPortForward fetches the page through PortForward.
func assertPortForward(t *testing.T, l *lab) {
	client, server := net.Pipe()
	go PortForward(context.Background(), l.cfg, "web", 8080, server)
	client.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(client, "GET / HTTP/1.0\r\n\r\n")
	resp, _ := io.ReadAll(client)
	if !strings.Contains(string(resp), "it works") {
		t.Errorf("port-forward: %q", resp)
	}
}
