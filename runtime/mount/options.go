package mount

import (
	"fmt"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Options is the parsed form of an option list.
type Options struct {
	Flags       uintptr   // set in the mount(2) call (MS_RDONLY, MS_NOSUID, MS_BIND|MS_REC ...)
	Propagation []uintptr // applied after the mount, each in its own call (MS_PRIVATE|MS_REC ...)
	Data        string    // filesystem-specific options, comma separated (size=65536k,mode=755)
	// AtimeClear lists atime flags turned off by "atime"/"diratime"/... so
	// a remount does not keep an inherited noatime.
	Cleared uintptr
	// CopyUp is runc's "tmpcopyup" extension, which podman sets on its
	// tmpfs mounts: the new tmpfs starts with a copy of what it covers.
	CopyUp bool
}

// Bind reports whether the options ask for a bind mount.
func (o Options) Bind() bool { return o.Flags&unix.MS_BIND != 0 }

type flagOption struct {
	clear bool
	flag  uintptr
}

// flagOptions are the options that set or clear a mount(2) flag.
var flagOptions = map[string]flagOption{
	"defaults":      {false, 0},
	"rw":            {true, unix.MS_RDONLY},
	"ro":            {false, unix.MS_RDONLY},
	"suid":          {true, unix.MS_NOSUID},
	"nosuid":        {false, unix.MS_NOSUID},
	"dev":           {true, unix.MS_NODEV},
	"nodev":         {false, unix.MS_NODEV},
	"exec":          {true, unix.MS_NOEXEC},
	"noexec":        {false, unix.MS_NOEXEC},
	"sync":          {false, unix.MS_SYNCHRONOUS},
	"async":         {true, unix.MS_SYNCHRONOUS},
	"dirsync":       {false, unix.MS_DIRSYNC},
	"remount":       {false, unix.MS_REMOUNT},
	"mand":          {false, unix.MS_MANDLOCK},
	"nomand":        {true, unix.MS_MANDLOCK},
	"atime":         {true, unix.MS_NOATIME},
	"noatime":       {false, unix.MS_NOATIME},
	"diratime":      {true, unix.MS_NODIRATIME},
	"nodiratime":    {false, unix.MS_NODIRATIME},
	"relatime":      {false, unix.MS_RELATIME},
	"norelatime":    {true, unix.MS_RELATIME},
	"strictatime":   {false, unix.MS_STRICTATIME},
	"nostrictatime": {true, unix.MS_STRICTATIME},
	"bind":          {false, unix.MS_BIND},
	"rbind":         {false, unix.MS_BIND | unix.MS_REC},
	"silent":        {false, unix.MS_SILENT},
	"loud":          {true, unix.MS_SILENT},
	"lazytime":      {false, unix.MS_LAZYTIME},
	"nolazytime":    {true, unix.MS_LAZYTIME},
}

// propagationOptions change how mount events spread between peers.
var propagationOptions = map[string]uintptr{
	"private":     unix.MS_PRIVATE,
	"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
	"shared":      unix.MS_SHARED,
	"rshared":     unix.MS_SHARED | unix.MS_REC,
	"slave":       unix.MS_SLAVE,
	"rslave":      unix.MS_SLAVE | unix.MS_REC,
	"unbindable":  unix.MS_UNBINDABLE,
	"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// ignored are options that mean something to other tools (fstab, runc's
// idmap extensions we do not do yet) and nothing to mount(2).
var ignored = map[string]bool{"auto": true, "noauto": true, "user": true, "nouser": true, "_netdev": true, "nofail": true}

// Parse turns an option list into flags, propagation steps and data.
// Anything with '=' or not in the tables is filesystem data (tmpfs size=,
// mode=, devpts newinstance ...); the kernel judges those.
func Parse(options []string) Options {
	var o Options
	var data []string
	for _, opt := range options {
		if f, ok := flagOptions[opt]; ok {
			if f.clear {
				o.Flags &^= f.flag
				o.Cleared |= f.flag
			} else {
				o.Flags |= f.flag
			}
			continue
		}
		if p, ok := propagationOptions[opt]; ok {
			o.Propagation = append(o.Propagation, p)
			continue
		}
		if opt == "tmpcopyup" {
			o.CopyUp = true
			continue
		}
		if ignored[opt] || opt == "" {
			continue
		}
		data = append(data, opt)
	}
	o.Data = strings.Join(data, ",")
	return o
}

// Names lists every option Parse knows (mount flags, propagation modes and
// tmpcopyup), sorted: the mountOptions of `skiff-runc features`.
func Names() []string {
	names := []string{"tmpcopyup"}
	for n := range flagOptions {
		names = append(names, n)
	}
	for n := range propagationOptions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParsePropagation maps a rootfsPropagation value to its flags.
func ParsePropagation(mode string) (uintptr, error) {
	if p, ok := propagationOptions[mode]; ok {
		return p, nil
	}
	return 0, fmt.Errorf("propagation %q: unknown; allowed: private, rprivate, shared, rshared, slave, rslave, unbindable, runbindable", mode)
}

// IsPropagation reports whether opt is a propagation option.
func IsPropagation(opt string) bool {
	_, ok := propagationOptions[opt]
	return ok
}
