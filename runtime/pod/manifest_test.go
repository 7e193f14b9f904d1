package pod

import (
	"errors"
	"strings"
	"testing"
)

const goodPod = `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  volumes:
  - name: cache
    emptyDir: {}
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo hi"]
    volumeMounts:
    - name: cache
      mountPath: /cache
  - name: side
    image: busybox
`

func TestParseAcceptsAGoodPod(t *testing.T) {
	p, err := Parse([]byte(goodPod))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(p); err != nil {
		t.Fatal(err)
	}
}

func TestParseRefusals(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"syntax":        {"apiVersion: v1\nkind: Pod\nmetadata: [\n", "invalid pod manifest"},
		"unknown field": {strings.Replace(goodPod, "  name: web", "  name: web\n  nmae: x", 1), `metadata.nmae: unknown field`},
		"kind":          {strings.Replace(goodPod, "kind: Pod", "kind: Deployment", 1), "want apiVersion v1, kind Pod"},
		"probe": {strings.Replace(goodPod, "    image: busybox\n    command", "    image: busybox\n    livenessProbe:\n      exec:\n        command: [cat]\n    command", 1),
			"spec.containers[0].livenessProbe: not supported"},
		"configMap volume": {strings.Replace(goodPod, "    emptyDir: {}", "    configMap:\n      name: x", 1), "spec.volumes[0].configMap: not supported"},
		"affinity":         {goodPod + "  nodeName: n1\n", "spec.nodeName: not supported"},
		"two documents":    {goodPod + "---\n" + goodPod, "2 YAML documents"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestValidateNamesTheField(t *testing.T) {
	cases := map[string]struct {
		from, to, want string
	}{
		"missing volume":    {"    - name: cache\n      mountPath", "    - name: cachee\n      mountPath", `spec.containers[0].volumeMounts[0].name: not found: "cachee"`},
		"duplicate name":    {"  - name: side", "  - name: app", `spec.containers[1].name: duplicate: "app" is also spec.containers[0]`},
		"bad restart":       {"  containers:", "  restartPolicy: Sometimes\n  containers:", `spec.restartPolicy: "Sometimes"`},
		"no image":          {"  - name: side\n    image: busybox", "  - name: side", "spec.containers[1].image: required"},
		"relative mount":    {"mountPath: /cache", "mountPath: cache", `spec.containers[0].volumeMounts[0].mountPath: "cache"`},
		"bad fieldRef":      {"    command:", "    env:\n    - name: X\n      valueFrom:\n        fieldRef:\n          fieldPath: spec.nodeName\n    command:", `spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: "spec.nodeName"`},
		"bad capability":    {"    command:", "    securityContext:\n      capabilities:\n        add: [FLY]\n    command:", `spec.containers[0].securityContext.capabilities.add[0]: "FLY"`},
		"request > limit":   {"    command:", "    resources:\n      limits: {cpu: 100m}\n      requests: {cpu: 200m}\n    command:", "spec.containers[0].resources.requests.cpu: 200m: must not exceed the limit 100m"},
		"bad name":          {"  name: web", "  name: Web_1", `metadata.name: "Web_1"`},
		"host port twice":   {"    image: busybox\n    command", "    image: busybox\n    ports:\n    - {containerPort: 80, hostPort: 8080}\n    - {containerPort: 81, hostPort: 8080}\n    command", "spec.containers[0].ports[1].hostPort: 8080/tcp is already published"},
		"app restartPolicy": {"  - name: side\n", "  - name: side\n    restartPolicy: Always\n", `spec.containers[1].restartPolicy: "Always": only init containers`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			y := strings.Replace(goodPod, c.from, c.to, 1)
			if y == goodPod {
				t.Fatalf("replacement %q did not apply", c.from)
			}
			p, err := Parse([]byte(y))
			if err == nil {
				err = Validate(p)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v\nwant an error containing %q", err, c.want)
			}
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %v is neither ErrInvalid nor ErrUnsupported", err)
			}
		})
	}
}
