package caps_test

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffrun/skiff/runtime/caps"
)

// The capabilities of `runc spec` on a kernel whose last capability is
// CAP_CHECKPOINT_RESTORE (40): the init keeps three and drops the other 38
// from its bounding set, so no program it execs can regain them.
func ExampleNewPlan() {
	three := []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
	p, err := caps.NewPlan(&specs.LinuxCapabilities{Bounding: three, Effective: three, Permitted: three}, 40)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("bounding: %v %#x\n", p.Bounding.Names(), p.Bounding.Words())
	fmt.Println("dropped:", len(p.Drop().List()), "first", p.Drop().Names()[:3])
	// Output:
	// bounding: [CAP_KILL CAP_NET_BIND_SERVICE CAP_AUDIT_WRITE] [0x20000420 0x0]
	// dropped: 38 first [CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH]
}
