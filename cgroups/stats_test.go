package cgroups

import (
	"strings"
	"testing"
)

func TestParseStats(t *testing.T) {
	kv := parseKV(strings.NewReader("usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 4\nthrottled_usec 2000\nbad line here\n"))
	c := cpuV2(kv)
	if c.UsageNanos != 1500000 || c.UserNanos != 1000000 || c.Periods != 10 || c.ThrottledPeriods != 4 || c.ThrottledNanos != 2000000 {
		t.Errorf("cpuV2 %+v", c)
	}
	c1 := cpuV1(777, parseKV(strings.NewReader("user 3\nsystem 2\n")), parseKV(strings.NewReader("nr_periods 5\nnr_throttled 2\nthrottled_time 900\n")))
	if c1.UsageNanos != 777 || c1.UserNanos != 30000000 || c1.SystemNanos != 20000000 || c1.ThrottledPeriods != 2 || c1.ThrottledNanos != 900 {
		t.Errorf("cpuV1 %+v", c1)
	}
	oom := parseKV(strings.NewReader("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n"))
	if oom["oom_kill"] != 3 {
		t.Errorf("oom_control %v", oom)
	}
}

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]uint64{"max": 0, "-1": 0, "9223372036854771712": 0, "1048576\n": 1048576, "junk": 0} {
		if got := parseLimit(in); got != want {
			t.Errorf("parseLimit(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestParseIO(t *testing.T) {
	v2 := parseIOStatV2(strings.NewReader("8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n8:16 rbytes=1 wbytes=2 rios=3 wios=4\n\n"))
	if v2 != (IOStats{ReadBytes: 101, WriteBytes: 202, ReadOps: 4, WriteOps: 6}) {
		t.Errorf("io.stat %+v", v2)
	}
	r, w := parseBlkioV1(strings.NewReader("8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Total 12288\n8:16 Read 1\nTotal 12289\n"))
	if r != 4097 || w != 8192 {
		t.Errorf("blkio read %d write %d", r, w)
	}
}
