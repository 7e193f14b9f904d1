package seccomp

import (
	"encoding/json"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// BenchmarkCompileDefault compiles the default profile, as every container
// start does, and compares it with its peer on the same start: decoding
// the same profile from config.json (interleaved, so both see the same
// machine load).
func BenchmarkCompileDefault(b *testing.B) {
	data, err := json.Marshal(Default())
	if err != nil {
		b.Fatal(err)
	}
	var decode, compile time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		var p specs.LinuxSeccomp
		if err := json.Unmarshal(data, &p); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := Compile(&p); err != nil {
			b.Fatal(err)
		}
		decode, compile = decode+t1.Sub(t0), compile+time.Since(t1)
	}
	b.ReportMetric(float64(compile.Nanoseconds())/float64(b.N), "ns/compile")
	b.ReportMetric(float64(decode.Nanoseconds())/float64(b.N), "ns/json-decode")
	b.ReportMetric(float64(compile)/float64(decode), "compile/decode")
}
