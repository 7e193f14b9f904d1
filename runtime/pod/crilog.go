package pod

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"
)

// CRI log format, one line per record:
//
//	2016-10-06T00:17:09.669794202Z stdout F message
//
// F marks a full line, P a part of a line longer than maxLogLine.
const (
	criTimeFormat = "2006-01-02T15:04:05.000000000Z07:00"
	maxLogLine    = 16 * 1024
)

// logWriter serializes the records of a container's two streams into one
// file.
type logWriter struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

func (l *logWriter) record(stream string, tag byte, msg []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := fmt.Fprintf(l.w, "%s %s %c %s\n", l.now().UTC().Format(criTimeFormat), stream, tag, msg)
	return err
}

// copyStream reads r (a container's stdout or stderr) until EOF and writes
// one record per line.
func (l *logWriter) copyStream(stream string, r io.Reader) error {
	br := bufio.NewReaderSize(r, maxLogLine)
	for {
		line, err := br.ReadSlice('\n')
		switch {
		case err == bufio.ErrBufferFull:
			if werr := l.record(stream, 'P', line); werr != nil {
				return werr
			}
			continue
		case len(line) > 0:
			if werr := l.record(stream, 'F', bytes.TrimSuffix(line, []byte("\n"))); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil && err != bufio.ErrBufferFull {
			return err
		}
	}
}

// LogRecord is one parsed line of a CRI log.
type LogRecord struct {
	Time    time.Time
	Stream  string
	Partial bool
	Message []byte
}

// ParseLogLine reads one line (without its newline) of a CRI log.
func ParseLogLine(line []byte) (LogRecord, error) {
	parts := bytes.SplitN(line, []byte(" "), 4)
	if len(parts) < 3 {
		return LogRecord{}, fmt.Errorf("parse log line %q: want TIME STREAM F|P MESSAGE", line)
	}
	t, err := time.Parse(time.RFC3339Nano, string(parts[0]))
	if err != nil {
		return LogRecord{}, fmt.Errorf("parse log line %q: %w", line, err)
	}
	rec := LogRecord{Time: t, Stream: string(parts[1]), Partial: string(parts[2]) == "P"}
	if len(parts) == 4 {
		rec.Message = parts[3]
	}
	return rec, nil
}

// WriteMessages copies a CRI log's messages to w, joining partial records,
// as `kubectl logs` shows them.
func WriteMessages(w io.Writer, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		rec, err := ParseLogLine(sc.Bytes())
		if err != nil {
			return err
		}
		if _, err := w.Write(rec.Message); err != nil {
			return err
		}
		if !rec.Partial {
			if _, err := w.Write([]byte{'\n'}); err != nil {
				return err
			}
		}
	}
	return sc.Err()
}
