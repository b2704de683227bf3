package storage

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// Issue 16, finding 8: the database, its WAL and shared-memory files and backups are
// owner-only, the data folder too, whatever the umask; an older 0644 database is
// made owner-only when opened.
func TestFilesOwnerOnly(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	ctx := context.Background()
	opt := Options{Path: filepath.Join(dir, "t.db"), DataDir: filepath.Join(dir, "data")}
	s, err := Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	makeUser(t, s, report.RoleAdmin, "chief")
	mode := func(p string) os.FileMode {
		t.Helper()
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	for _, p := range []string{opt.Path, opt.Path + "-wal", opt.Path + "-shm"} {
		if m := mode(p); m != 0o600 {
			t.Errorf("%s is %o, want 600", filepath.Base(p), m)
		}
	}
	if m := mode(opt.DataDir); m != 0o700 {
		t.Errorf("the data folder is %o, want 700", m)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if m := mode(backup); m != 0o600 {
		t.Errorf("the backup is %o, want 600", m)
	}
	if fi, _ := os.Stat(backup); fi.Size() == 0 {
		t.Errorf("the backup is empty")
	}
	if err := s.Backup(ctx, backup); err == nil {
		t.Errorf("a backup over an existing file was written")
	}
	s.Close()
	// A database made by an older version, readable by all.
	for _, p := range []string{opt.Path, opt.DataDir} {
		os.Chmod(p, 0o755)
	}
	if s, err = Open(ctx, opt); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if m := mode(opt.Path); m != 0o600 {
		t.Errorf("an existing database stays %o", m)
	}
	if m := mode(opt.DataDir); m != 0o700 {
		t.Errorf("an existing data folder stays %o", m)
	}
}

// Issue 16, friction: the data folder serve was given is recorded, and a later
// open without one uses it; an explicit folder still overrides.
func TestDataDirRecorded(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db := filepath.Join(dir, "t.db")
	data := filepath.Join(dir, "elsewhere")
	s, err := Open(ctx, Options{Path: db, DataDir: data, RecordDataDir: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(ctx, Options{Path: db}); err != nil {
		t.Fatal(err)
	}
	if s.DataDir() != data {
		t.Errorf("a later open uses %s, want %s", s.DataDir(), data)
	}
	s.Close()
	other := filepath.Join(dir, "other")
	if s, err = Open(ctx, Options{Path: db, DataDir: other}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.DataDir() != other {
		t.Errorf("an explicit folder is not used: %s", s.DataDir())
	}
}
