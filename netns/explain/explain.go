package explain

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
)

// Func receives one shell command per change.
type Func func(cmd string)

// Printf formats a command and hands it to f; it does nothing when f is nil.
func (f Func) Printf(format string, args ...any) {
	if f != nil {
		f(fmt.Sprintf(format, args...))
	}
}

// In returns a Func that prefixes every command with what runs it inside
// the namespace at path (see In); for "" it returns f itself.
func (f Func) In(path string) Func {
	if f == nil || path == "" {
		return f
	}
	prefix := In(path)
	return func(cmd string) { f(prefix + cmd) }
}

// Writer prints each command on its own line, prefixed with "+ " like a
// shell trace.
func Writer(w io.Writer) Func {
	return func(cmd string) { fmt.Fprintf(w, "+ %s\n", cmd) }
}

// Log records each command at debug level.
func Log(log *slog.Logger) Func {
	return func(cmd string) { log.Debug("explain", "cmd", cmd) }
}

// Recorder collects commands in memory (tests, benchmarks).
type Recorder struct{ Cmds []string }

// Func returns a Func appending to r.
func (r *Recorder) Func() Func { return func(cmd string) { r.Cmds = append(r.Cmds, cmd) } }

var procNetns = regexp.MustCompile(`^/proc/([0-9]+)/ns/net$`)

// NetnsArg is how `ip ... netns ARG` names the namespace at path: a PID for
// /proc/PID/ns/net, a name for /run/netns/NAME, else the path itself (which
// iproute2 does not accept; `ip netns attach NAME PID` makes it a name).
func NetnsArg(path string) string {
	if m := procNetns.FindStringSubmatch(path); m != nil {
		return m[1]
	}
	if filepath.Dir(path) == "/run/netns" {
		return filepath.Base(path)
	}
	return path
}

// In is the prefix that runs a command inside the namespace at path: empty
// for the current namespace, `ip netns exec NAME ` for /run/netns/NAME,
// `nsenter --net=PATH ` otherwise.
func In(path string) string {
	switch {
	case path == "":
		return ""
	case filepath.Dir(path) == "/run/netns":
		return "ip netns exec " + filepath.Base(path) + " "
	default:
		return "nsenter --net=" + Quote(path) + " "
	}
}

// Quote single-quotes s for a POSIX shell when it holds anything but safe
// characters.
func Quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
