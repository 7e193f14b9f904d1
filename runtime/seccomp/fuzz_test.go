package seccomp

import (
	"encoding/json"
	"sort"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func sortStrings(s []string) { sort.Strings(s) }

// FuzzCompile decodes any bytes as a profile: Compile must never panic,
// and whatever it accepts must load in the interpreter and agree with the
// reference on calls to the syscalls the profile names.
func FuzzCompile(f *testing.F) {
	def, _ := json.Marshal(Default())
	f.Add(def, uint64(0))
	f.Add([]byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount"],"action":"SCMP_ACT_ERRNO","errnoRet":13,
		"args":[{"index":1,"value":4294967296,"op":"SCMP_CMP_GE"},{"index":1,"value":7,"op":"SCMP_CMP_LT"}]}]}`), uint64(1<<32))
	f.Add([]byte(`{"defaultAction":"SCMP_ACT_KILL","architectures":["SCMP_ARCH_X86"],"syscalls":[{"names":["socketcall","read"],
		"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":255,"valueTwo":3,"op":"SCMP_CMP_MASKED_EQ"}]}]}`), uint64(3))
	f.Fuzz(func(t *testing.T, data []byte, arg uint64) {
		var p specs.LinuxSeccomp
		if json.Unmarshal(data, &p) != nil {
			return
		}
		prog, err := Compile(&p)
		if err != nil {
			return
		}
		v := newVM(t, prog)
		for _, sc := range p.Syscalls {
			for _, name := range sc.Names {
				for _, c := range []call{x64(name, arg, arg, arg, arg, arg, arg), i386(name, arg, ^arg, arg)} {
					if _, ok := syscallsX86_64[name]; !ok && c.arch == unix.AUDIT_ARCH_X86_64 {
						continue
					}
					if got, want := v.run(t, c), reference(&p, c); got != want {
						t.Fatalf("%s %+v: %#x, want %#x", name, c, got, want)
					}
				}
			}
		}
	})
}
