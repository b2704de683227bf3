package report

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// archive/zip reads a ZIP's whole central directory into memory before anything
// can be checked: a 110 MB ZIP of a million empty entries takes gigabytes. So the
// directory's entry count and size are read from its end record first, and a ZIP
// over the bounds is refused before archive/zip sees it: the memory a check takes
// is then bounded whatever the number of entries.
const (
	// DefaultMaxEntries bounds a pack's entries: a national pack holds a few files
	// per incident (tens of thousands), far below it.
	DefaultMaxEntries = 200_000
	// DefaultMaxDirBytes bounds the central directory (every entry's name and
	// header): 46 bytes and a name of at most 512 per entry at most.
	DefaultMaxDirBytes = 64 << 20
)

// ErrTooManyEntries refuses a ZIP whose directory is over the bounds.
var ErrTooManyEntries = errors.New("the ZIP holds more entries than an evidence pack can")

// zipDirectory reads the entry count and central-directory size from the end
// record (ZIP64 when the classic fields are full).
func zipDirectory(r io.ReaderAt, size int64) (entries, dirBytes uint64, err error) {
	const eocdLen, maxComment = 22, 65535
	n := min(size, eocdLen+maxComment)
	if n < eocdLen {
		return 0, 0, errors.New("too short for a ZIP file")
	}
	tail := make([]byte, n)
	if _, err := r.ReadAt(tail, size-n); err != nil && !errors.Is(err, io.EOF) {
		return 0, 0, err
	}
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || len(tail)-i < eocdLen {
		return 0, 0, errors.New("no end of central directory")
	}
	eocd := tail[i:]
	entries = uint64(binary.LittleEndian.Uint16(eocd[10:]))
	dirBytes = uint64(binary.LittleEndian.Uint32(eocd[12:]))
	if entries != 0xffff && dirBytes != 0xffffffff {
		return entries, dirBytes, nil
	}
	// ZIP64: a locator just before the end record points at the ZIP64 end record.
	loc := size - n + int64(i) - 20
	if loc < 0 {
		return 0, 0, errors.New("no ZIP64 locator")
	}
	lb := make([]byte, 20)
	if _, err := r.ReadAt(lb, loc); err != nil || !bytes.HasPrefix(lb, []byte("PK\x06\x07")) {
		return 0, 0, errors.New("no ZIP64 locator")
	}
	off := binary.LittleEndian.Uint64(lb[8:])
	if off > uint64(size)-56 {
		return 0, 0, errors.New("the ZIP64 end record is outside the file")
	}
	rec := make([]byte, 56)
	if _, err := r.ReadAt(rec, int64(off)); err != nil || !bytes.HasPrefix(rec, []byte("PK\x06\x06")) {
		return 0, 0, errors.New("no ZIP64 end record")
	}
	return binary.LittleEndian.Uint64(rec[32:]), binary.LittleEndian.Uint64(rec[40:]), nil
}

// checkDirectory refuses a ZIP over the entry and directory bounds.
func checkDirectory(r io.ReaderAt, size int64, opt VerifyOptions) error {
	maxEntries, maxDir := opt.MaxEntries, opt.MaxDirBytes
	if maxEntries <= 0 {
		maxEntries = DefaultMaxEntries
	}
	if maxDir <= 0 {
		maxDir = DefaultMaxDirBytes
	}
	entries, dir, err := zipDirectory(r, size)
	if err != nil {
		return fmt.Errorf("not a readable ZIP file: %w", err)
	}
	if entries > uint64(maxEntries) || dir > uint64(maxDir) {
		return fmt.Errorf("%w: %d entries, %d bytes of names and headers (at most %d entries, %d bytes)",
			ErrTooManyEntries, entries, dir, maxEntries, maxDir)
	}
	return nil
}
