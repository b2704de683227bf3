package report

import (
	"archive/zip"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

func manyEntries(t *testing.T, n int) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "m.zip"))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for i := range n {
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: "e/" + strconv.Itoa(i), Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// Issue 16, finding 2: a ZIP of very many entries is refused from its end record,
// before its directory is read: what the check allocates does not grow with the
// number of entries (ten times as many entries, the same few kilobytes).
func TestVerifyManyEntriesFlatMemory(t *testing.T) {
	alloc := func(n int) uint64 {
		f := manyEntries(t, n)
		fi, _ := f.Stat()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := VerifyPack(f, fi.Size(), VerifyOptions{MaxEntries: 1000})
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooManyEntries) {
			t.Fatalf("%d entries: %v", n, err)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := alloc(20_000), alloc(200_000) // the second is ZIP64
	if small > 256<<10 || large > 256<<10 {
		t.Errorf("refusing took %d bytes for 20,000 entries and %d for 200,000", small, large)
	}
	// Under the bound, a ZIP is read as before (and found to be no pack).
	f := manyEntries(t, 50)
	fi, _ := f.Stat()
	res, err := VerifyPack(f, fi.Size(), VerifyOptions{MaxEntries: 1000})
	if err != nil || res.OK() || len(res.Files) != 50 {
		t.Fatalf("a small ZIP: %v", err)
	}
}

func FuzzZipDirectory(f *testing.F) {
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		zipDirectory(readerAt(b), int64(len(b)))
	})
}

type readerAt []byte

func (r readerAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(r)) {
		return 0, errors.New("out of range")
	}
	n := copy(p, r[off:])
	if n < len(p) {
		return n, errors.New("short")
	}
	return n, nil
}
