package layer

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// benchLayer is a gzipped layer of n files of random hex text (compressible
// about 2:1, like binaries and text), size bytes each.
func benchLayer(b *testing.B, n, size int) []byte {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	raw := make([]byte, size/2)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for i := range n {
		if i%100 == 0 {
			tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("d%d/", i/100), Typeflag: tar.TypeDir, Mode: 0o755})
		}
		for j := range raw {
			raw[j] = byte(rng.Uint32())
		}
		tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("d%d/f%d", i/100, i), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(size)})
		tw.Write([]byte(hex.EncodeToString(raw)))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// BenchmarkUnpack unpacks a 20 MB layer of 400 files.
func BenchmarkUnpack(b *testing.B) {
	data := benchLayer(b, 400, 50<<10)
	b.SetBytes(400 * 50 << 10)
	for b.Loop() {
		b.StopTimer()
		dir, err := os.MkdirTemp(b.TempDir(), "u")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := Unpack(context.Background(), dir, bytes.NewReader(data), Options{Rootless: os.Geteuid() != 0}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
}
