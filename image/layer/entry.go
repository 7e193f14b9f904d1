package layer

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// create makes the file of one entry at base in pfd, then applies its
// metadata.
func (u *unpacker) create(pfd int, base, rel string, hdr *tar.Header, content io.Reader) error {
	var err error
	switch hdr.Typeflag {
	case tar.TypeDir:
		err = unix.Mkdirat(pfd, base, 0o700)
		u.dirs = append(u.dirs, hdr)
	case tar.TypeReg, tar.TypeRegA:
		err = u.regular(pfd, base, content)
	case tar.TypeSymlink:
		err = unix.Symlinkat(hdr.Linkname, pfd, base)
	case tar.TypeLink:
		return u.hardlink(pfd, base, rel, hdr.Linkname)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		err = u.special(pfd, base, hdr)
		if err == errSkipped {
			return nil
		}
	default:
		return fmt.Errorf("%w: tar type %q", ErrUnsupported, hdr.Typeflag)
	}
	if err != nil {
		return err
	}
	if hdr.Typeflag == tar.TypeDir {
		return u.metadata(pfd, base, hdr)
	}
	if err := u.metadata(pfd, base, hdr); err != nil {
		return err
	}
	return setTimes(pfd, base, hdr)
}

func (u *unpacker) regular(pfd int, base string, content io.Reader) error {
	fd, err := unix.Openat(pfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), base)
	_, err = io.CopyBuffer(f, content, u.buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// hardlink links base to an earlier entry, both resolved inside the root.
func (u *unpacker) hardlink(pfd int, base, rel, target string) error {
	trel := cleanName(target)
	if trel == "" || trel == rel {
		return fmt.Errorf("%w: %q -> %q", ErrBadHardlink, rel, target)
	}
	tparent, tbase := split(trel)
	// Hold our own handle on the link's directory: dir() below may evict it.
	dfd, err := unix.Dup(pfd)
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	tfd, err := u.root.dir(tparent, false)
	if err != nil {
		return fmt.Errorf("%w: target %q: %v", ErrBadHardlink, target, err)
	}
	if err := unix.Linkat(tfd, tbase, dfd, base, 0); err != nil {
		return fmt.Errorf("%w: target %q: %v", ErrBadHardlink, target, err)
	}
	return nil
}

// errSkipped marks a device left out of a rootless unpack.
var errSkipped = fmt.Errorf("skipped")

func (u *unpacker) special(pfd int, base string, hdr *tar.Header) error {
	mode := uint32(unix.S_IFIFO)
	switch hdr.Typeflag {
	case tar.TypeChar:
		mode = unix.S_IFCHR
	case tar.TypeBlock:
		mode = unix.S_IFBLK
	}
	dev := unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor))
	err := unix.Mknodat(pfd, base, mode|uint32(hdr.Mode)&0o7777, int(dev))
	if err == unix.EPERM && u.opts.Rootless && hdr.Typeflag != tar.TypeFifo {
		return errSkipped
	}
	return err
}

// metadata applies owner, mode and xattrs (not times) to base in pfd;
// base "" is pfd itself.
func (u *unpacker) metadata(pfd int, base string, hdr *tar.Header) error {
	flags := unix.AT_SYMLINK_NOFOLLOW
	if base == "" {
		flags |= unix.AT_EMPTY_PATH
	}
	err := unix.Fchownat(pfd, base, hdr.Uid, hdr.Gid, flags)
	if err != nil && !(u.opts.Rootless && (err == unix.EPERM || err == unix.EINVAL)) {
		return fmt.Errorf("chown: %w", err)
	}
	if err := u.xattrs(pfd, base, hdr); err != nil {
		return err
	}
	if hdr.Typeflag == tar.TypeSymlink {
		return nil
	}
	// chmod after chown: chown clears the setuid and setgid bits.
	if err := unix.Chmod(procPath(pfd, base), uint32(hdr.Mode)&0o7777); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	return nil
}

func (u *unpacker) xattrs(pfd int, base string, hdr *tar.Header) error {
	for k, v := range hdr.PAXRecords {
		name, ok := strings.CutPrefix(k, xattrPrefix)
		if !ok {
			continue
		}
		err := unix.Lsetxattr(procPath(pfd, base), name, []byte(v), 0)
		if err != nil && !(u.opts.Rootless && (err == unix.EPERM || err == unix.ENOTSUP)) {
			return fmt.Errorf("xattr %s: %w", name, err)
		}
	}
	return nil
}

func setTimes(pfd int, base string, hdr *tar.Header) error {
	atime := hdr.AccessTime
	if atime.IsZero() {
		atime = hdr.ModTime
	}
	ts := []unix.Timespec{timespec(atime), timespec(hdr.ModTime)}
	var err error
	if base == "" { // utimensat has no AT_EMPTY_PATH: go through /proc
		err = unix.UtimesNano(procPath(pfd, ""), ts)
	} else {
		err = unix.UtimesNanoAt(pfd, base, ts, unix.AT_SYMLINK_NOFOLLOW)
	}
	if err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	return nil
}

func timespec(t time.Time) unix.Timespec {
	if t.IsZero() {
		return unix.Timespec{Nsec: unix.UTIME_OMIT}
	}
	return unix.NsecToTimespec(t.UnixNano())
}
