package seccomp_test

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffrun/skiff/runtime/seccomp"
)

// A profile that refuses mkdir with EXDEV and vsock sockets with EPERM,
// and allows everything else; and the program it compiles to. Lines 0-3
// check the architecture (x86_64), 4-6 load the syscall number and refuse
// x32 ones; line 7 looks for socket (41), whose first argument is compared
// as two 32-bit halves (the high one at offset 20, the low one at 16), line
// 14 for mkdir (83).
func ExampleCompile() {
	exdev := uint(18)
	prog, err := seccomp.Compile(&specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdir"}, Action: specs.ActErrno, ErrnoRet: &exdev},
			{Names: []string{"socket"}, Action: specs.ActErrno,
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: 40, Op: specs.OpEqualTo}}},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(prog)
	// Output:
	// 0: ld [4]
	// 1: jeq #0xc000003e, 2, 3
	// 2: ja 4
	// 3: ret KILL_PROCESS
	// 4: ld [0]
	// 5: jge #0x40000000, 6, 7
	// 6: ret KILL_PROCESS
	// 7: jeq #0x29, 8, 14
	// 8: ld [20]
	// 9: jeq #0x0, 10, 13
	// 10: ld [16]
	// 11: jeq #0x28, 12, 13
	// 12: ret ERRNO(1)
	// 13: ret ALLOW
	// 14: jeq #0x53, 15, 16
	// 15: ret ERRNO(18)
	// 16: ret ALLOW
}
