package storage

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(context.Background(), Options{Path: filepath.Join(dir, "t.db"), DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMigrateFromEmpty(t *testing.T) {
	s := openTest(t)
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.SchemaVersion(context.Background())
	if err != nil || v != ms[len(ms)-1].version {
		t.Fatalf("schema version %d (%v), want %d", v, err, ms[len(ms)-1].version)
	}
	var mode string
	s.rw.QueryRow("PRAGMA journal_mode").Scan(&mode)
	var fk int
	s.rw.QueryRow("PRAGMA foreign_keys").Scan(&fk)
	if mode != "wal" || fk != 1 {
		t.Fatalf("journal_mode %s, foreign_keys %d", mode, fk)
	}
	// An acknowledged write survives power loss: SQLite fsyncs the WAL inside every
	// commit of the writer (FULL, 2), and nobody is answered before the commit returns.
	var sync int
	s.rw.QueryRow("PRAGMA synchronous").Scan(&sync)
	if sync != 2 {
		t.Fatalf("synchronous = %d; want 2 (FULL)", sync)
	}
}

// A database made by an older build (only the first migration) opens, migrates,
// and keeps its data.
func TestMigrateFromOlderSchema(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "old.db")
	db, err := sql.Open("sqlite", dsn(path, false, "FULL"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := migrateTo(ctx, db, 1, time.Now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO elections(code, name, date, created_at) VALUES ('kz-2022', 'Presidential', '2022-11-20', '2022-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(ctx, Options{Path: path, DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ms, _ := loadMigrations()
	if v, _ := s.SchemaVersion(ctx); v != ms[len(ms)-1].version || v < 2 {
		t.Fatalf("after migration: version %d", v)
	}
	el, err := s.ElectionByCode(ctx, "kz-2022")
	if err != nil || el.Name != "Presidential" {
		t.Fatalf("data lost in migration: %+v %v", el, err)
	}
	var n int
	s.rw.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name = 'incidents_occurred'").Scan(&n)
	if n != 1 {
		t.Fatal("migration 3 not applied")
	}
}

// Migration 25 gives each election made before it the zone most of its stations
// have (the one its times were shown in), Asia/Almaty when none has one; the
// elections stay unchangeable afterwards.
func TestMigrateElectionZones(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "old.db")
	db, err := sql.Open("sqlite", dsn(path, false, "FULL"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := migrateTo(ctx, db, 24, time.Now); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO elections(id, code, name, date, created_at) VALUES (1, 'kz-a', 'A', '2022-11-20', 'x'), (2, 'kz-b', 'B', '2023-03-19', 'x')`,
		`INSERT INTO regions(id, election_id, code, name) VALUES (1, 1, 'r', 'R')`,
		`INSERT INTO stations(election_id, code, name, region_id, timezone) VALUES
			(1, '1', '', 1, 'Asia/Aqtobe'), (1, '2', '', 1, 'Asia/Aqtobe'), (1, '3', '', 1, 'Asia/Almaty'), (1, '4', '', 1, '')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := Open(ctx, Options{Path: path, DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for code, want := range map[string]string{"kz-a": "Asia/Aqtobe", "kz-b": "Asia/Almaty"} {
		if el, err := s.ElectionByCode(ctx, code); err != nil || el.Timezone != want {
			t.Errorf("%s: zone %q %v, want %s", code, el.Timezone, err, want)
		}
	}
	if _, err := s.rw.Exec("UPDATE elections SET timezone = 'UTC'"); err == nil || !strings.Contains(err.Error(), "does not change") {
		t.Fatalf("an election changed after migration 25: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	s := openTest(t)
	path := s.Path()
	if _, err := s.rw.Exec("INSERT INTO schema_migrations(version, name, applied_at) VALUES (9999, '9999_future.sql', 'x')"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(context.Background(), Options{Path: path, DataDir: s.DataDir()})
	if err == nil || !strings.Contains(err.Error(), "newer than this build") {
		t.Fatalf("got %v", err)
	}
}

func TestOpenNotADatabase(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "notes.db")
	os.WriteFile(path, []byte("these are my notes, not a database\n"), 0o600)
	_, err := Open(context.Background(), Options{Path: path})
	if err == nil || !strings.Contains(err.Error(), "not an Observer database") {
		t.Fatalf("got %v", err)
	}
}

func TestOpenReadOnly(t *testing.T) {
	s := openTest(t)
	path := s.Path()
	s.Close()
	os.Chmod(path, 0o400)
	if f, err := os.OpenFile(path, os.O_RDWR, 0); err == nil {
		// root writes through file modes; the permission branch is then checked directly.
		f.Close()
		if err := permissionError(path, os.ErrPermission); !strings.Contains(err.Error(), "read-only") {
			t.Fatalf("got %v", err)
		}
		return
	}
	_, err := Open(context.Background(), Options{Path: path, DataDir: s.DataDir()})
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("got %v", err)
	}
}

func TestOpenMissingFolder(t *testing.T) {
	_, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "no", "such", "x.db")})
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("got %v", err)
	}
}

func TestBackup(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.CreateElection(ctx, "kz-2026", "Test", "2026-03-15", "", report.User{}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, Options{Path: out, DataDir: s.DataDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.ElectionByCode(ctx, "kz-2026"); err != nil {
		t.Fatalf("backup lacks the data: %v", err)
	}
	if err := s.Backup(ctx, out); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
}

func TestPersonalDataSealed(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var oid int64
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		if oid, err = EnsureObserver(tx, "OBS-0142", "ALM", report.User{}); err != nil {
			return err
		}
		return SetObserverContact(tx, oid, report.ObserverContact{Name: "Айгүл Сейітқызы", Phone: "+77011234567"}, report.User{})
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.ObserverContact(ctx, oid)
	if err != nil || c.Name != "Айгүл Сейітқызы" || c.Phone != "+77011234567" {
		t.Fatalf("%+v %v", c, err)
	}
	// The database file alone does not hold the name or phone in clear text.
	s.Close()
	raw, _ := os.ReadFile(s.Path())
	wal, _ := os.ReadFile(s.Path() + "-wal")
	for _, secret := range []string{"Айгүл", "77011234567"} {
		if strings.Contains(string(raw)+string(wal), secret) {
			t.Fatalf("%q found in the database file", secret)
		}
	}
}

// A write after Close fails with ErrClosed and never waits for a writer that has
// stopped: the queue has room, so sending to it can win over seeing the store
// closed (the alert sender hung this way when the server closed the store under it).
func TestWriteAfterCloseFails(t *testing.T) {
	s := openTest(t)
	s.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			if err := s.Write(context.Background(), func(*Tx) error { return nil }); !errors.Is(err, ErrClosed) {
				t.Errorf("write %d after Close: %v", i, err)
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a write after Close is still waiting")
	}
}
