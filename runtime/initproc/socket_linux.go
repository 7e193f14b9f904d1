package initproc

import (
	"encoding/json"
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// The child's inherited descriptors (ExtraFiles start at 3).
const (
	SyncFd   = 3 // child end of the sync socket (reports to the parent)
	ConfigFd = 4 // read end of the config pipe (the parent's JSON config, then EOF)
)

// SocketPair makes the sync socket: parent end, child end.
func SocketPair() (parent, child *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("socketpair: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "sync-parent"), os.NewFile(uintptr(fds[1]), "sync-child"), nil
}

// Report sends one message, with f attached when it is not nil.
func Report(sock *os.File, m Message, f *os.File) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode %s message: %w", m.Type, err)
	}
	var oob []byte
	if f != nil {
		oob = unix.UnixRights(int(f.Fd()))
	}
	if err := unix.Sendmsg(int(sock.Fd()), b, oob, nil, 0); err != nil {
		return fmt.Errorf("send %s message: %w", m.Type, err)
	}
	return nil
}

// Await reads one message from the other end and checks it is want; the
// child uses it to wait for the parent's TypeJoined.
func Await(sock *os.File, want string) error {
	buf := make([]byte, 4<<10)
	for {
		n, _, _, _, err := unix.Recvmsg(int(sock.Fd()), buf, nil, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("read sync socket: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("wait for %s message: the runtime went away", want)
		}
		var m Message
		if err := json.Unmarshal(buf[:n], &m); err != nil || m.Type != want {
			return fmt.Errorf("wait for %s message: got %q", want, buf[:n])
		}
		return nil
	}
}

// Receive reads messages until the child is ready (nil), failed
// (*SetupError) or gone (ErrNoReport). A pty message's descriptor is handed
// to onPty.
func Receive(sock *os.File, onPty func(*os.File) error) error {
	buf := make([]byte, 64<<10)
	oob := make([]byte, unix.CmsgSpace(4))
	for {
		n, oobn, _, _, err := unix.Recvmsg(int(sock.Fd()), buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("read sync socket: %w", err)
		}
		if n == 0 {
			return ErrNoReport
		}
		var m Message
		if err := json.Unmarshal(buf[:n], &m); err != nil {
			return fmt.Errorf("read sync socket: %w", err)
		}
		if done, err := handle(m, oob[:oobn], onPty); done {
			return err
		}
	}
}

// handle acts on one message and says whether it ends the conversation.
func handle(m Message, oob []byte, onPty func(*os.File) error) (done bool, err error) {
	switch m.Type {
	case TypeReady:
		return true, nil
	case TypeError:
		return true, &SetupError{Step: m.Step, Cause: m.Error}
	case TypePty:
		f, err := fdFrom(oob, "pty-master")
		if err != nil {
			return true, err
		}
		if onPty == nil {
			f.Close()
			return true, fmt.Errorf("sync socket: pty sent but none was asked for")
		}
		if err := onPty(f); err != nil {
			return true, err
		}
		return false, nil
	default:
		return true, fmt.Errorf("sync socket: unknown message type %q", m.Type)
	}
}

func fdFrom(oob []byte, name string) (*os.File, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil || len(msgs) != 1 {
		return nil, fmt.Errorf("sync socket: pty message without a descriptor")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, fmt.Errorf("sync socket: pty message without a descriptor")
	}
	return os.NewFile(uintptr(fds[0]), name), nil
}

// SendToConsoleSocket connects to the unix socket at path (runc's
// --console-socket) and sends the pty master there, as runc does: the
// payload is the master's name, the descriptor rides as SCM_RIGHTS.
func SendToConsoleSocket(path string, master *os.File) error {
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return fmt.Errorf("connect console socket %s: %w", path, err)
	}
	defer conn.Close()
	_, _, err = conn.WriteMsgUnix([]byte(master.Name()), unix.UnixRights(int(master.Fd())), nil)
	if err != nil {
		return fmt.Errorf("send pty to console socket %s: %w", path, err)
	}
	return nil
}
