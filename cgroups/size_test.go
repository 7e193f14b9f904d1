package cgroups

import "testing"

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"10": 10, "1k": 1024, "64m": 64 << 20, "2G": 2 << 30, "7b": 7} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "m", "-5m", "1t", "9999999999g"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}
