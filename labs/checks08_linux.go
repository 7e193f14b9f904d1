package labs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// podStatus is the part of `skiff pod inspect` lab 08 checks.
type podStatus struct {
	Phase      string `json:"phase"`
	PausePid   int    `json:"pausePid"`
	Containers []struct {
		Name     string `json:"name"`
		Kind     string `json:"kind"`
		State    string `json:"state"`
		Pid      int    `json:"pid"`
		ExitCode int    `json:"exitCode"`
	} `json:"containers"`
}

func (e Env) pod(ctx context.Context, name string) (*podStatus, error) {
	out, err := e.skiff(ctx, "pod", "inspect", name)
	if err != nil {
		return nil, fmt.Errorf("pod %s: not found", name)
	}
	var pods []podStatus
	if err := json.Unmarshal([]byte(out), &pods); err != nil || len(pods) != 1 {
		return nil, fmt.Errorf("pod inspect %s: unreadable: %v", name, err)
	}
	return &pods[0], nil
}

// runningPod returns lab08's status if it runs, with its containers' PIDs.
func (e Env) runningPod(ctx context.Context) (*podStatus, error) {
	p, err := e.pod(ctx, "lab08")
	if err != nil {
		return nil, err
	}
	if p.Phase != "Running" {
		return nil, fmt.Errorf("pod lab08 is %s", p.Phase)
	}
	return p, nil
}

func nsLink(pid int, ns string) string {
	l, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, ns))
	return l
}

var lab08Checks = []Check{
	{
		Name: "pod lab08 is running", Section: "2. Run the pod",
		Hint: "skiff pod run -f takes the manifest; -d returns once the pod runs; skiff pod ls shows its phase",
		Run: func(ctx context.Context, e Env) error {
			_, err := e.runningPod(ctx)
			return err
		},
	},
	{
		Name: "the init container write-page completed before the others", Section: "4. Init containers",
		Hint: "init containers run to completion, in order, before the app containers start; the manifest lists it under initContainers",
		Run: func(ctx context.Context, e Env) error {
			p, err := e.pod(ctx, "lab08")
			if err != nil {
				return err
			}
			for _, c := range p.Containers {
				if c.Name == "write-page" && c.Kind == "init" {
					if c.State != "terminated" || c.ExitCode != 0 {
						return fmt.Errorf("write-page is %s, exit status %d", c.State, c.ExitCode)
					}
					return nil
				}
			}
			return fmt.Errorf("lab08 has no init container write-page")
		},
	},
	{
		Name: "web, client and log-shipper share the pause process's net, uts and ipc namespaces", Section: "3. One sandbox, shared namespaces",
		Hint: "every container of a pod joins the namespaces of the pod's pause process; compare /proc/PID/ns links",
		Run: func(ctx context.Context, e Env) error {
			p, err := e.runningPod(ctx)
			if err != nil {
				return err
			}
			seen := 0
			for _, c := range p.Containers {
				if c.State != "running" {
					continue
				}
				seen++
				for _, ns := range []string{"net", "uts", "ipc"} {
					if nsLink(c.Pid, ns) != nsLink(p.PausePid, ns) {
						return fmt.Errorf("%s has its own %s namespace", c.Name, ns)
					}
				}
				if nsLink(c.Pid, "mnt") == nsLink(p.PausePid, "mnt") {
					return fmt.Errorf("%s shares the pause process's mount namespace", c.Name)
				}
			}
			if seen < 3 {
				return fmt.Errorf("%d containers of lab08 run, want web, client and log-shipper", seen)
			}
			return nil
		},
	},
	{
		Name: "the sidecar ships the client's log lines (fetched over localhost)", Section: "6. A sidecar ships the logs",
		Hint: "the client writes into a shared emptyDir volume and the log-shipper sidecar prints that file; give it a few seconds",
		Run: func(ctx context.Context, e Env) error {
			out, err := e.skiff(ctx, "pod", "logs", "-c", "log-shipper", "lab08")
			if err != nil {
				return err
			}
			if !strings.Contains(out, "client fetched http://localhost:8080/") {
				return fmt.Errorf("log-shipper printed %q", oneLine(out))
			}
			return nil
		},
	},
}
