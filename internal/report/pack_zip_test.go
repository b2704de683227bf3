package report

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"time"
)

// failingReader gives n bytes of data, then fails.
type failingReader struct {
	data []byte
	n    int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk read error")
	}
	k := min(len(p), f.n)
	copy(p, f.data[:k])
	f.n -= k
	return k, nil
}

// Evidence files are copied with their SHA-256, whatever their size (empty, a
// few bytes, exactly and just over a buffer, several megabytes); a read that
// fails half-way fails the entry, and the next entry still works.
func TestCopyEntry(t *testing.T) {
	var out bytes.Buffer
	p := &packZip{zw: zip.NewWriter(&out), at: time.Now()}
	defer p.close()
	data := make([]byte, 3<<20+12345)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for i, size := range []int{0, 10, 1 << 20, 1<<20 + 1, len(data)} {
		sum, n, err := p.copyEntry("f"+string(rune('a'+i)), false, func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data[:size])), nil
		})
		want := sha256.Sum256(data[:size])
		if err != nil || n != int64(size) || sum != hex.EncodeToString(want[:]) {
			t.Fatalf("%d bytes: n %d, sum %s, %v", size, n, sum, err)
		}
	}
	if _, _, err := p.copyEntry("broken", false, func() (io.ReadCloser, error) {
		return io.NopCloser(&failingReader{data: data, n: 1<<20 + 500000}), nil
	}); err == nil || !bytes.Contains([]byte(err.Error()), []byte("disk read error")) {
		t.Fatalf("a read error half-way: %v", err)
	}
	if _, n, err := p.copyEntry("after", false, func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}); err != nil || n != int64(len(data)) {
		t.Fatalf("after a failure: %d, %v", n, err)
	}
	if err := p.zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name != "fe" && f.Name != "after" {
			continue
		}
		rc, _ := f.Open()
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s: %d bytes back, %v", f.Name, len(got), err)
		}
	}
}
