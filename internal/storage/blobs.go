package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrTooLarge is returned when an uploaded file exceeds the size limit.
var ErrTooLarge = errors.New("file too large")

// BlobPath is where the file with this SHA-256 is kept: <data>/evidence/<aa>/<sha256>.
func (s *Store) BlobPath(sha string) string {
	return filepath.Join(s.dataDir, "evidence", sha[:2], sha)
}

// OpenBlob opens a kept file by its SHA-256.
func (s *Store) OpenBlob(sha string) (*os.File, error) {
	if !validSHA(sha) {
		return nil, fmt.Errorf("store: %q is not a SHA-256", sha)
	}
	return os.Open(s.BlobPath(sha))
}

func validSHA(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// PutBlob stores r's bytes content-addressed and durably (fsync'd file and folder),
// reading at most max bytes (ErrTooLarge beyond). A file already kept is never
// rewritten: same bytes, same name. It returns the SHA-256 and the size.
func (s *Store) PutBlob(r io.Reader, max int64) (sha string, size int64, err error) {
	dir := filepath.Join(s.dataDir, "evidence")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", 0, fmt.Errorf("store: unable to create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return "", 0, fmt.Errorf("store: unable to receive a file: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, max+1))
	if err != nil {
		f.Close()
		return "", 0, fmt.Errorf("store: unable to receive a file: %w", err)
	}
	if n > max {
		f.Close()
		return "", n, ErrTooLarge
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", 0, fmt.Errorf("store: unable to save a file: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", 0, fmt.Errorf("store: unable to save a file: %w", err)
	}
	sha = hex.EncodeToString(h.Sum(nil))
	final := s.BlobPath(sha)
	if _, err := os.Stat(final); err == nil {
		return sha, n, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", 0, fmt.Errorf("store: unable to check %s: %w", final, err)
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return "", 0, fmt.Errorf("store: unable to create a folder for evidence: %w", err)
	}
	if err := os.Chmod(tmp, 0o400); err != nil {
		return "", 0, fmt.Errorf("store: unable to protect a file: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", 0, fmt.Errorf("store: unable to keep a file: %w", err)
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return "", 0, fmt.Errorf("store: unable to save a folder: %w", err)
	}
	return sha, n, nil
}
