package mount

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in    []string
		flags uintptr
		prop  []uintptr
		data  string
	}{
		{[]string{"nosuid", "noexec", "nodev"}, unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV, nil, ""},
		{[]string{"rbind", "ro", "rprivate"}, unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY, []uintptr{unix.MS_PRIVATE | unix.MS_REC}, ""},
		{[]string{"nosuid", "strictatime", "mode=755", "size=65536k"}, unix.MS_NOSUID | unix.MS_STRICTATIME, nil, "mode=755,size=65536k"},
		{[]string{"ro", "rw"}, 0, nil, ""},
		{[]string{"newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}, 0, nil, "newinstance,ptmxmode=0666,mode=0620,gid=5"},
	} {
		o := Parse(tc.in)
		if o.Flags != tc.flags || o.Data != tc.data || len(o.Propagation) != len(tc.prop) {
			t.Errorf("Parse(%v) = %+v, want flags %#x data %q prop %v", tc.in, o, tc.flags, tc.data, tc.prop)
			continue
		}
		for i := range tc.prop {
			if o.Propagation[i] != tc.prop[i] {
				t.Errorf("Parse(%v) propagation[%d] = %#x, want %#x", tc.in, i, o.Propagation[i], tc.prop[i])
			}
		}
	}
}

func TestParsePropagation(t *testing.T) {
	if p, err := ParsePropagation("rslave"); err != nil || p != unix.MS_SLAVE|unix.MS_REC {
		t.Errorf("rslave = %#x, %v", p, err)
	}
	if _, err := ParsePropagation("sideways"); err == nil {
		t.Error("unknown propagation accepted")
	}
}
