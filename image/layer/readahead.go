package layer

import (
	"errors"
	"io"
)

// readahead reads its source (the decompressor and the diff id hash) on a
// goroutine of its own, a few chunks ahead of the tar reader: one core
// decompresses while the other writes files.
type readahead struct {
	chunks chan chunk
	free   chan []byte
	stop   chan struct{}
	exited chan struct{}
	cur    []byte // unread part of buf
	buf    []byte
	err    error
}

type chunk struct {
	b   []byte
	err error
}

func newReadahead(r io.Reader, chunks, size int) *readahead {
	ra := &readahead{chunks: make(chan chunk, chunks), free: make(chan []byte, chunks+1),
		stop: make(chan struct{}), exited: make(chan struct{})}
	for range chunks + 1 {
		ra.free <- make([]byte, size)
	}
	go ra.fill(r)
	return ra
}

func (ra *readahead) fill(r io.Reader) {
	defer close(ra.exited)
	for {
		var b []byte
		select {
		case b = <-ra.free:
		case <-ra.stop:
			return
		}
		n, err := io.ReadFull(r, b)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = io.EOF // a short last chunk
		}
		if n > 0 && !ra.send(chunk{b: b[:n]}) {
			return
		}
		if err != nil {
			ra.send(chunk{err: err})
			return
		}
	}
}

func (ra *readahead) send(c chunk) bool {
	select {
	case ra.chunks <- c:
		return true
	case <-ra.stop:
		return false
	}
}

func (ra *readahead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.buf != nil {
			ra.free <- ra.buf[:cap(ra.buf)]
			ra.buf = nil
		}
		if ra.err != nil {
			return 0, ra.err
		}
		c := <-ra.chunks
		if c.err != nil {
			ra.err = c.err
			continue
		}
		ra.buf, ra.cur = c.b, c.b
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Close stops the goroutine and waits for it, so the source may be closed.
func (ra *readahead) Close() {
	close(ra.stop)
	<-ra.exited
}
