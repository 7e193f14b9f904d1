package cgroups

import (
	"strings"
	"testing"
)

func TestSharesToWeight(t *testing.T) {
	for shares, want := range map[uint64]uint64{0: 0, 1: 1, 2: 1, 1024: 100, 262144: 10000, 300000: 10000, 512: 59, 2048: 174, 100: 17} {
		if got := SharesToWeight(shares); got != want {
			t.Errorf("SharesToWeight(%d) = %d, want %d", shares, got, want)
		}
	}
	prev := uint64(0)
	for s := uint64(2); s <= 262144; s += 97 {
		w := SharesToWeight(s)
		if w < prev || w < 1 || w > 10000 {
			t.Fatalf("SharesToWeight(%d) = %d after %d: not monotonic within [1, 10000]", s, w, prev)
		}
		prev = w
	}
}

func TestBlkioWeightToIOWeight(t *testing.T) {
	for in, want := range map[uint16]uint64{0: 0, 10: 1, 1000: 10000, 500: 4950} {
		if got := BlkioWeightToIOWeight(in); got != want {
			t.Errorf("BlkioWeightToIOWeight(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestSwapV2(t *testing.T) {
	tests := []struct {
		swap, limit, want int64
		err               string
	}{
		{-1, 100, -1, ""},
		{-1, -1, -1, ""},
		{300, 100, 200, ""},
		{100, 100, 0, ""},
		{50, 100, 0, "below memory.limit"},
		{100, 0, 0, "needs memory.limit"},
		{100, -1, 0, "needs memory.limit"},
		{-2, 100, 0, "want -1"},
	}
	for _, tt := range tests {
		got, err := swapV2(tt.swap, tt.limit)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("swapV2(%d, %d) error %v, want %q", tt.swap, tt.limit, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("swapV2(%d, %d) = %d, %v; want %d", tt.swap, tt.limit, got, err, tt.want)
		}
	}
}

func TestParseList(t *testing.T) {
	s, err := parseList("0-2,5,7-8")
	if err != nil || len(s) != 6 || !s[0] || !s[2] || !s[5] || !s[8] || s[3] {
		t.Fatalf("parseList = %v, %v", s, err)
	}
	if miss := s.missing(cpuSet{0: true, 1: true, 2: true}); len(miss) != 3 || miss[0] != 5 {
		t.Errorf("missing = %v", miss)
	}
	for _, bad := range []string{"a", "1-", "-1", "3-1", "1,,2", "0-99999999"} {
		if _, err := parseList(bad); err == nil {
			t.Errorf("parseList(%q) accepted", bad)
		}
	}
}

func TestHugePageNames(t *testing.T) {
	for dir, want := range map[string]string{"hugepages-2048kB": "2MB", "hugepages-1048576kB": "1GB", "hugepages-64kB": "64KB"} {
		if got, ok := hugePageDirName(dir); !ok || got != want {
			t.Errorf("hugePageDirName(%q) = %q, %v", dir, got, ok)
		}
	}
	if _, ok := hugePageDirName("nr_hugepages"); ok {
		t.Error("accepted a non hugepages dir")
	}
	for _, bad := range []string{"2M", "MB", "0MB", "-2MB", "2 MB"} {
		if _, err := hugePageSize(bad); err == nil {
			t.Errorf("hugePageSize(%q) accepted", bad)
		}
	}
}
