package layer

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestReadahead(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 100_003)
	ra := newReadahead(bytes.NewReader(data), 2, 4096)
	got, err := io.ReadAll(iotest.OneByteReader(io.LimitReader(ra, 1<<30)))
	ra.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(data))
	}
	boom := errors.New("boom")
	ra = newReadahead(io.MultiReader(bytes.NewReader(data[:10000]), iotest.ErrReader(boom)), 2, 4096)
	if _, err := io.ReadAll(ra); !errors.Is(err, boom) {
		t.Errorf("error %v, want boom", err)
	}
	ra.Close()
	// Closing early, with the filler blocked on a full queue, returns.
	ra = newReadahead(bytes.NewReader(data), 1, 16)
	ra.Close()
}
