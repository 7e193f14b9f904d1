package bridge

import (
	"crypto/sha256"
	"encoding/hex"
)

// ContainerIfname is the name of a container's end of its veth pair.
const ContainerIfname = "eth0"

// maxIfname is IFNAMSIZ minus the terminating NUL.
const maxIfname = 15

// VethName is the host end of a container's veth pair: "veth" and 8 hex
// digits of a hash of the container ID, so it fits in 15 characters and the
// same container always gets the same name.
func VethName(containerID string) string {
	sum := sha256.Sum256([]byte(containerID))
	return "veth" + hex.EncodeToString(sum[:4])
}

// Name returns the bridge of a user-defined network: "skiff-NAME" when that
// fits in 15 characters, else "skiff-" and 9 hex digits of a hash of NAME.
func Name(network string) string {
	if n := "skiff-" + network; len(n) <= maxIfname {
		return n
	}
	sum := sha256.Sum256([]byte(network))
	return "skiff-" + hex.EncodeToString(sum[:5])[:9]
}

// ValidIfname reports whether name can be a Linux interface name.
func ValidIfname(name string) bool {
	if name == "" || len(name) > maxIfname || name == "." || name == ".." {
		return false
	}
	for _, r := range name {
		if r <= ' ' || r == '/' || r == ':' || r > '~' {
			return false
		}
	}
	return true
}
