package process

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/skiffrun/skiff/image/layer"
)

// passwdEntry is one line of /etc/passwd.
type passwdEntry struct {
	name     string
	uid, gid uint32
	home     string
}

// groupEntry is one line of /etc/group.
type groupEntry struct {
	name    string
	gid     uint32
	members []string
}

// ResolveUser turns "user[:group]" (names or numbers; "" is root) into ids,
// reading the image's /etc/passwd and /etc/group inside rootfs, and returns
// the user's home directory too. Without an explicit group, the user's
// additional groups are those that list it as a member.
func ResolveUser(rootfs, spec string) (specs.User, string, error) {
	userPart, groupPart, hasGroup := strings.Cut(spec, ":")
	if userPart == "" {
		userPart = "0"
	}
	users, err := readPasswd(rootfs)
	if err != nil {
		return specs.User{}, "", err
	}
	groups, err := readGroups(rootfs)
	if err != nil {
		return specs.User{}, "", err
	}
	pw, err := findUser(users, userPart)
	if err != nil {
		return specs.User{}, "", err
	}
	u := specs.User{UID: pw.uid, GID: pw.gid}
	if hasGroup {
		if u.GID, err = findGroup(groups, groupPart); err != nil {
			return specs.User{}, "", err
		}
		return u, pw.home, nil
	}
	u.AdditionalGids = memberOf(groups, pw.name, u.GID)
	return u, pw.home, nil
}

// findUser finds a passwd entry by name or number; a number the image does
// not list is still a valid uid (group 0, home /).
func findUser(users []passwdEntry, s string) (passwdEntry, error) {
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		for _, u := range users {
			if u.uid == uint32(n) {
				return u, nil
			}
		}
		return passwdEntry{uid: uint32(n), home: "/"}, nil
	}
	for _, u := range users {
		if u.name == s {
			return u, nil
		}
	}
	return passwdEntry{}, fmt.Errorf("user %q: %w: not in the image's /etc/passwd; use a name it lists or a number", s, ErrUnknownUser)
}

func findGroup(groups []groupEntry, s string) (uint32, error) {
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		return uint32(n), nil
	}
	for _, g := range groups {
		if g.name == s {
			return g.gid, nil
		}
	}
	return 0, fmt.Errorf("group %q: %w: not in the image's /etc/group; use a name it lists or a number", s, ErrUnknownUser)
}

func memberOf(groups []groupEntry, user string, primary uint32) []uint32 {
	var out []uint32
	for _, g := range groups {
		for _, m := range g.members {
			if m == user && user != "" && g.gid != primary {
				out = append(out, g.gid)
			}
		}
	}
	return out
}

func readPasswd(rootfs string) ([]passwdEntry, error) {
	var out []passwdEntry
	err := readColonFile(rootfs, "etc/passwd", func(f []string) {
		if len(f) < 6 {
			return
		}
		uid, err1 := strconv.ParseUint(f[2], 10, 32)
		gid, err2 := strconv.ParseUint(f[3], 10, 32)
		if err1 == nil && err2 == nil {
			out = append(out, passwdEntry{name: f[0], uid: uint32(uid), gid: uint32(gid), home: f[5]})
		}
	})
	return out, err
}

func readGroups(rootfs string) ([]groupEntry, error) {
	var out []groupEntry
	err := readColonFile(rootfs, "etc/group", func(f []string) {
		if len(f) < 4 {
			return
		}
		gid, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			return
		}
		var members []string
		if f[3] != "" {
			members = strings.Split(f[3], ",")
		}
		out = append(out, groupEntry{name: f[0], gid: uint32(gid), members: members})
	})
	return out, err
}

// readColonFile calls line for each entry of a passwd-style file of the
// image, opened inside rootfs (a symlink to a host file cannot leak it).
// A missing file is empty.
func readColonFile(rootfs, rel string, line func([]string)) error {
	if rootfs == "" {
		return nil
	}
	f, err := layer.OpenInRoot(rootfs, rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read image /%s: %w", rel, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		line(strings.Split(t, ":"))
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read image /%s: %w", rel, err)
	}
	return nil
}
