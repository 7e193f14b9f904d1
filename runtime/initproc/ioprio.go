package initproc

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ioprio_set(2) packs the scheduling class above the level (0, highest,
// to 7), as the kernel's IOPRIO_PRIO_VALUE does.
const ioprioClassShift = 13

var ioprioClasses = map[specs.IOPriorityClass]int{
	specs.IOPRIO_CLASS_RT:   1,
	specs.IOPRIO_CLASS_BE:   2,
	specs.IOPRIO_CLASS_IDLE: 3,
}

// IOPriorityValue checks process.ioPriority and encodes it for
// ioprio_set(2).
func IOPriorityValue(p *specs.LinuxIOPriority) (int, error) {
	class, ok := ioprioClasses[p.Class]
	if !ok {
		return 0, fmt.Errorf("process.ioPriority.class %q: want IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE", p.Class)
	}
	if p.Priority < 0 || p.Priority > 7 {
		return 0, fmt.Errorf("process.ioPriority.priority %d: want 0 (highest) to 7", p.Priority)
	}
	return class<<ioprioClassShift | p.Priority, nil
}
