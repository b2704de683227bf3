package report

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
)

// Verification reads every entry of the pack it is given, and a ZIP can be made to
// cost far more than its size: an entry whose few kilobytes inflate to gigabytes (a
// compression bomb), or a header that declares less than its data inflates to. So
// an entry is refused on what its header declares, before a byte of it is inflated,
// and is read no further than it declares.

// The limits a verification applies when VerifyOptions leaves them at zero: room
// for real packs (evidence files of hundreds of megabytes, a national
// observations.csv, gigabytes in all) on the command line. The web check sets a
// smaller total.
const (
	// DefaultMaxEntryBytes bounds one entry's declared uncompressed size.
	DefaultMaxEntryBytes int64 = 16 << 30
	// DefaultMaxTotalBytes bounds what one verification unpacks in all.
	DefaultMaxTotalBytes int64 = 256 << 30
	// DefaultMaxRatio bounds uncompressed ÷ compressed size. Text in a real pack
	// compresses about 3 to 30 times, photos and PDFs hardly at all; deflate's
	// ceiling, reached by runs of one byte, is about 1030.
	DefaultMaxRatio int64 = 200
	// ratioFloor: entries declaring less are not held to the ratio (small files
	// compress in odd ways and cost nothing to read).
	ratioFloor = 1 << 20
)

// Statuses of entries refused by the limits (FileCheck.Detail has the numbers).
const (
	// FileTooLarge: the entry declares more bytes than one entry may have.
	FileTooLarge FileStatus = "too_large"
	// FileBomb: the entry would inflate to far more than it takes in the ZIP.
	FileBomb FileStatus = "bomb"
	// FileOverBudget: the verification has unpacked as much as it may; not read.
	FileOverBudget FileStatus = "over_budget"
	// FileOverrun: the entry's data inflates past the size its header declares;
	// reading stopped there.
	FileOverrun FileStatus = "overrun"
)

// limitError is an entry the limits refused, or stopped reading.
type limitError struct {
	Name   string
	Status FileStatus
	Detail string
}

func (e *limitError) Error() string { return e.Name + ": " + e.Detail }

// limits is one verification's bounds and what is left of its total.
type limits struct {
	entry, ratio, left int64
}

func newLimits(opt VerifyOptions) *limits {
	l := &limits{entry: opt.MaxEntryBytes, ratio: opt.MaxRatio, left: opt.MaxTotalBytes}
	if l.entry <= 0 {
		l.entry = DefaultMaxEntryBytes
	}
	if l.ratio <= 0 {
		l.ratio = DefaultMaxRatio
	}
	if l.left <= 0 {
		l.left = DefaultMaxTotalBytes
	}
	return l
}

// open checks an entry's header against the limits and, when it passes, charges
// its declared size to the total and opens it for reading no further than declared.
func (l *limits) open(f *zip.File) (io.ReadCloser, error) {
	size, packed := f.UncompressedSize64, f.CompressedSize64
	refuse := func(st FileStatus, format string, args ...any) error {
		return &limitError{Name: f.Name, Status: st, Detail: fmt.Sprintf(format, args...)}
	}
	switch {
	case size > uint64(l.entry):
		return nil, refuse(FileTooLarge, "declares %d bytes uncompressed; one file may have at most %d", size, l.entry)
	case size > ratioFloor && size/uint64(l.ratio) >= max(packed, 1):
		return nil, refuse(FileBomb, "declares %d bytes uncompressed from %d compressed (more than %d to 1)", size, packed, l.ratio)
	case size > uint64(l.left):
		return nil, refuse(FileOverBudget, "declares %d bytes uncompressed, more than the %d bytes left of what one check may unpack", size, l.left)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	l.left -= int64(size)
	return &entryReader{rc: rc, name: f.Name, size: int64(size), left: int64(size)}, nil
}

// entryReader passes on an entry's bytes up to its declared size. archive/zip
// refuses the read that goes past it with a bare zip.ErrFormat; this says which
// entry, and what it declared, and stops even if that check is ever relaxed.
type entryReader struct {
	rc         io.ReadCloser
	name       string
	size, left int64
}

func (r *entryReader) Read(b []byte) (int, error) {
	n, err := r.rc.Read(b)
	r.left -= int64(n)
	if r.left < 0 || errors.Is(err, zip.ErrFormat) {
		return 0, &limitError{Name: r.name, Status: FileOverrun,
			Detail: fmt.Sprintf("holds more than the %d bytes its header declares; reading stopped", r.size)}
	}
	return n, err
}

func (r *entryReader) Close() error { return r.rc.Close() }
