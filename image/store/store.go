package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"
)

// Store is an OCI image layout on disk plus a lock for index.json.
type Store struct {
	dir string
	log *slog.Logger
}

const (
	layoutFile = `{"imageLayoutVersion":"1.0.0"}`
	emptyIndex = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`
	// ingestDir holds blobs being written; it sits outside blobs/ so that
	// readers of the layout never see a partial blob.
	ingestDir = "ingest"
)

// Open opens (creating if needed) the store in dir, usually
// <data-dir>/images.
func Open(dir string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{dir: dir, log: log}
	for _, d := range []string{dir, s.path("blobs", "sha256"), s.path(ingestDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("open store %s: %w", dir, err)
		}
	}
	for name, content := range map[string]string{"oci-layout": layoutFile, "index.json": emptyIndex} {
		if _, err := os.Stat(s.path(name)); err == nil {
			continue
		}
		if err := s.writeFileAtomic(name, []byte(content)); err != nil {
			return nil, fmt.Errorf("open store %s: %w", dir, err)
		}
	}
	return s, nil
}

// Dir is the layout directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(elem ...string) string {
	return filepath.Join(append([]string{s.dir}, elem...)...)
}

// BlobPath is where the blob with digest h lives (whether or not it exists).
func (s *Store) BlobPath(h v1.Hash) string { return s.path("blobs", h.Algorithm, h.Hex) }

// HasBlob reports whether the blob is already stored.
func (s *Store) HasBlob(h v1.Hash) bool {
	if !validHash(h) {
		return false
	}
	st, err := os.Stat(s.BlobPath(h))
	return err == nil && st.Mode().IsRegular()
}

// OpenBlob opens a stored blob for reading.
func (s *Store) OpenBlob(h v1.Hash) (io.ReadCloser, error) {
	if !validHash(h) {
		return nil, fmt.Errorf("open blob %s: %w: want sha256 and 64 hex digits", h, ErrNotFound)
	}
	f, err := os.Open(s.BlobPath(h))
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", h, err)
	}
	return f, nil
}

// ReadBlob returns a small stored blob (manifest, config) whole.
func (s *Store) ReadBlob(h v1.Hash) ([]byte, error) {
	rc, err := s.OpenBlob(h)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func validHash(h v1.Hash) bool {
	if h.Algorithm != "sha256" || len(h.Hex) != 64 {
		return false
	}
	_, err := hex.DecodeString(h.Hex)
	return err == nil
}

// WriteBlob stores r under digest h. The content is hashed as it is copied
// and only renamed into blobs/ when it matches h (and size, when size >= 0).
// A blob already present is not read again.
func (s *Store) WriteBlob(h v1.Hash, size int64, r io.Reader) error {
	if !validHash(h) {
		return fmt.Errorf("write blob %q: unsupported digest: want sha256 and 64 hex digits", h)
	}
	if s.HasBlob(h) {
		return nil
	}
	tmp, err := os.CreateTemp(s.path(ingestDir), h.Hex+"-*")
	if err != nil {
		return fmt.Errorf("write blob %s: %w", h, err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	err = s.copyVerified(tmp, h, size, r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write blob %s: %w", h, err)
	}
	if err := os.Rename(tmp.Name(), s.BlobPath(h)); err != nil {
		return fmt.Errorf("write blob %s: %w", h, err)
	}
	return nil
}

func (s *Store) copyVerified(w *os.File, h v1.Hash, size int64, r io.Reader) error {
	d := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, d), r)
	if err != nil {
		return err
	}
	if size >= 0 && n != size {
		return fmt.Errorf("%w: got %d bytes, want %d", ErrDigestMismatch, n, size)
	}
	if got := hexSum(d); got != h.Hex {
		return fmt.Errorf("%w: content hashes to sha256:%s", ErrDigestMismatch, got)
	}
	return w.Sync()
}

func hexSum(d hash.Hash) string { return hex.EncodeToString(d.Sum(nil)) }

// PutBlob stores small content (manifest, config) and returns its digest.
func (s *Store) PutBlob(data []byte) (v1.Hash, error) {
	sum := sha256.Sum256(data)
	h := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
	return h, s.WriteBlob(h, int64(len(data)), strings.NewReader(string(data)))
}

// writeFileAtomic replaces a file of the layout root through a temporary
// file and a rename.
func (s *Store) writeFileAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(s.path(ingestDir), name+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.path(name))
}

// withIndex runs f on index.json under an exclusive lock, writing the
// result back atomically when f reports a change.
func (s *Store) withIndex(f func(*v1.IndexManifest) (bool, error)) error {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	idx, err := s.readIndex()
	if err != nil {
		return err
	}
	changed, err := f(idx)
	if err != nil || !changed {
		return err
	}
	data, err := json.Marshal(idx)
	if err != nil {
		return fmt.Errorf("encode index.json: %w", err)
	}
	if err := s.writeFileAtomic("index.json", data); err != nil {
		return fmt.Errorf("write index.json: %w", err)
	}
	return nil
}

func (s *Store) readIndex() (*v1.IndexManifest, error) {
	f, err := os.Open(s.path("index.json"))
	if err != nil {
		return nil, fmt.Errorf("read index.json: %w", err)
	}
	defer f.Close()
	idx, err := v1.ParseIndexManifest(f)
	if err != nil {
		return nil, fmt.Errorf("read index.json: %w", err)
	}
	return idx, nil
}

// lock takes an exclusive flock on <store>/ingest, shared by every skiff
// process using this store.
func (s *Store) lock() (func(), error) {
	f, err := os.Open(s.path(ingestDir))
	if err != nil {
		return nil, fmt.Errorf("lock store: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock store: %w", err)
	}
	return func() { f.Close() }, nil
}
