package snapshot

import (
	"fmt"
	"regexp"
	"strings"
)

// maxOptions is the limit the kernel puts on mount data: one page, less
// the terminating NUL.
const maxOptions = 4096 - 1

var idPattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$`)

// checkID accepts ids that are safe as one path element.
func checkID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("%w %q: use 1-128 letters, digits, '_', '.' or '-', starting with a letter or digit", ErrBadID, id)
	}
	return nil
}

// mountOptions builds the overlay options for lowers given bottom first (as
// in the image), relative to the snapshots directory the mount runs in.
// overlayfs wants the topmost lower first.
func mountOptions(lowers []string, upper, work string) (string, error) {
	top := make([]string, len(lowers))
	for i, l := range lowers {
		top[len(lowers)-1-i] = l
	}
	for _, p := range append(append([]string{}, lowers...), upper, work) {
		if strings.ContainsAny(p, ":,") {
			return "", fmt.Errorf("overlay path %q: contains ':' or ','", p)
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s,index=off", strings.Join(top, ":"), upper, work)
	if len(opts) > maxOptions {
		return "", fmt.Errorf("%w: %d layers need %d bytes of options, the kernel takes %d", ErrTooManyLayers, len(lowers), len(opts), maxOptions)
	}
	return opts, nil
}

// shortName is the name of a layer's link in l/: the first 12 hex digits
// of its diff id, longer only on a collision.
func shortName(hex string, taken func(name string) (sameLayer bool, exists bool)) string {
	for n := 12; n < len(hex); n += 4 {
		same, exists := taken(hex[:n])
		if !exists || same {
			return hex[:n]
		}
	}
	return hex
}
