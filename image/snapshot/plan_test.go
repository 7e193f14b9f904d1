package snapshot

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestMountOptions(t *testing.T) {
	got, err := mountOptions([]string{"l/base", "l/mid", "l/top"}, "/d/up", "/d/work")
	if err != nil {
		t.Fatal(err)
	}
	want := "lowerdir=l/top:l/mid:l/base,upperdir=/d/up,workdir=/d/work,index=off"
	if got != want {
		t.Errorf("options %q, want %q", got, want)
	}
	if _, err := mountOptions([]string{"l/a:b"}, "/u", "/w"); err == nil {
		t.Error("a ':' in a path was accepted")
	}
}

func TestManyLayersFit(t *testing.T) {
	lowers := make([]string, 200)
	for i := range lowers {
		lowers[i] = "l/" + fmt.Sprintf("%012x", i)
	}
	upper := "/var/lib/skiff/snapshots/containers/" + strings.Repeat("c", 64) + "/upper"
	if _, err := mountOptions(lowers, upper, upper); err != nil {
		t.Errorf("200 layers: %v", err)
	}
	if _, err := mountOptions(make([]string, 400), strings.Repeat("u", 4000), "/w"); !errors.Is(err, ErrTooManyLayers) {
		t.Errorf("oversized options: %v, want ErrTooManyLayers", err)
	}
}

func TestCheckID(t *testing.T) {
	for _, ok := range []string{"abc", "a1_b.c-d", strings.Repeat("f", 64)} {
		if err := checkID(ok); err != nil {
			t.Errorf("checkID(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "..", "a/b", ".hidden", "-x", strings.Repeat("f", 129), "a b"} {
		if err := checkID(bad); !errors.Is(err, ErrBadID) {
			t.Errorf("checkID(%q) = %v", bad, err)
		}
	}
}

func TestShortName(t *testing.T) {
	hex := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	free := func(string) (bool, bool) { return false, false }
	if got := shortName(hex, free); got != hex[:12] {
		t.Errorf("shortName = %q", got)
	}
	clash := func(n string) (bool, bool) { return false, len(n) == 12 }
	if got := shortName(hex, clash); got != hex[:16] {
		t.Errorf("shortName on collision = %q", got)
	}
}
