package bridge

import (
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	v := VethName("0123456789abcdef-very-long-container-id")
	if len(v) != 12 || !strings.HasPrefix(v, "veth") || v != VethName("0123456789abcdef-very-long-container-id") {
		t.Fatalf("VethName = %q", v)
	}
	if VethName("a") == VethName("b") {
		t.Fatal("two containers share a veth name")
	}
	if got := Name("front"); got != "skiff-front" {
		t.Fatalf("Name(front) = %q", got)
	}
	long := Name("a-rather-long-network-name")
	if len(long) != 15 || !ValidIfname(long) || long == Name("a-rather-long-network-nam") {
		t.Fatalf("Name(long) = %q", long)
	}
	for _, bad := range []string{"", "sixteen-chars-xx", "a b", "a/b", "a:b", ".."} {
		if ValidIfname(bad) {
			t.Errorf("ValidIfname(%q) = true", bad)
		}
	}
}
