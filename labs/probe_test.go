package labs

import "testing"

func TestField(t *testing.T) {
	stat := "nr_periods 22\nnr_throttled 3\nthrottled_time 74707652\n"
	if got := field(stat, "nr_throttled"); got != 3 {
		t.Errorf("nr_throttled = %d", got)
	}
	if got := field("max 0\n", "max"); got != 0 {
		t.Errorf("max = %d", got)
	}
	if got := field(stat, "missing"); got != -1 {
		t.Errorf("missing = %d", got)
	}
}

func TestMountInfoParse(t *testing.T) {
	lines := []string{
		`104 27 0:79 / /tmp/x/lab04/rootfs rw,relatime - overlay overlay rw,lowerdir=l/393c,upperdir=/u,workdir=/w`,
		`165 115 254:0 /tmp/skiff-labs/05/data /ro ro,relatime - ext4 /dev/vda rw,discard`,
		`170 27 0:80 / /tmp/skiff-labs/03/shared rw,relatime shared:12 master:3 - tmpfs lab03 rw`,
		`171 27 0:81 / /tmp/a\040b rw - tmpfs x rw`,
	}
	var ms []mountInfo
	for _, l := range lines {
		ms = append(ms, parseMountLine(l)...)
	}
	if len(ms) != 4 {
		t.Fatalf("parsed %d mounts", len(ms))
	}
	if m, ok := findMount(ms, "/tmp/x/lab04/rootfs"); !ok || m.FSType != "overlay" || !hasOption(m, "upperdir=/u") {
		t.Errorf("overlay: %+v %v", m, ok)
	}
	if m, _ := findMount(ms, "/ro"); !hasOption(m, "ro") || hasOption(m, "discard,") {
		t.Errorf("read-only bind: %+v", m)
	}
	if m, _ := findMount(ms, "/tmp/skiff-labs/03/shared"); m.Optional != "shared:12 master:3" || m.Source != "lab03" {
		t.Errorf("shared tmpfs: %+v", m)
	}
	if _, ok := findMount(ms, "/tmp/a b"); !ok {
		t.Errorf("escaped space not decoded")
	}
}
