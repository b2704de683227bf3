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

// stagedBlob is an upload received into a temporary file, fsync'd and hashed, but
// not yet kept: evidence checks (the incident's total size, duplicates) come first,
// so that a refused file never becomes a blob. PutBlob is the one-step version for
// files that need no such decision.
type stagedBlob struct {
	s    *Store
	tmp  string
	sha  string
	size int64
}

// stageBlob receives r (at most max bytes: ErrTooLarge beyond, with nothing left on disk).
func (s *Store) stageBlob(r io.Reader, max int64) (*stagedBlob, error) {
	dir := filepath.Join(s.dataDir, "evidence")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: unable to create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return nil, fmt.Errorf("store: unable to receive a file: %w", err)
	}
	b := &stagedBlob{s: s, tmp: f.Name()}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, max+1))
	if err == nil && n > max {
		err = ErrTooLarge
	} else if err != nil {
		err = fmt.Errorf("store: unable to receive a file: %w", err)
	}
	if err == nil {
		if err = f.Sync(); err != nil {
			err = fmt.Errorf("store: unable to save a file: %w", err)
		}
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("store: unable to save a file: %w", cerr)
	}
	if err != nil {
		os.Remove(b.tmp)
		return nil, err
	}
	b.sha, b.size = hex.EncodeToString(h.Sum(nil)), n
	return b, nil
}

// keep moves the file to its content address, durably. A file already kept is left
// as it is (same bytes, same name) and the staged copy is dropped.
func (b *stagedBlob) keep() error {
	final := b.s.BlobPath(b.sha)
	if _, err := os.Stat(final); err == nil {
		b.discard()
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: unable to check %s: %w", final, err)
	}
	dir := filepath.Dir(final)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("store: unable to create a folder for evidence: %w", err)
		}
		// The new folder's own entry must reach the disk too, or a crash could lose it
		// with the file inside.
		if err := syncDir(filepath.Dir(dir)); err != nil {
			return fmt.Errorf("store: unable to save a folder: %w", err)
		}
	}
	if err := os.Chmod(b.tmp, 0o400); err != nil {
		return fmt.Errorf("store: unable to protect a file: %w", err)
	}
	if err := os.Rename(b.tmp, final); err != nil {
		return fmt.Errorf("store: unable to keep a file: %w", err)
	}
	b.tmp = ""
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("store: unable to save a folder: %w", err)
	}
	return nil
}

// discard drops the staged file unless it was kept.
func (b *stagedBlob) discard() {
	if b.tmp != "" {
		os.Remove(b.tmp)
		b.tmp = ""
	}
}
