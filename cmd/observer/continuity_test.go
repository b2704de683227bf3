package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/benbjohnson/litestream"

	"github.com/observerkz/observer/internal/replica"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// madeBy makes a database as restore or standby leaves it: its data folder
// elsewhere (named only in the marker), Litestream's follow position beside it.
func madeBy(t *testing.T, how string, checked bool) (db, data string) {
	t.Helper()
	dir := t.TempDir()
	db = filepath.Join(dir, "o.db")
	if code, _, stderr := cli(t, "--db", db, "election", "add", "--code", "kz-2026", "--name", "Test", "--date", "2026-03-15"); code != 0 {
		t.Fatalf("election add: %s", stderr)
	}
	data = filepath.Join(dir, how+"-data")
	if err := os.Rename(filepath.Join(dir, "o-data"), data); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(replica.Origin{MadeBy: how, From: "file:///replica", DataDir: data, Checked: checked})
	if err := os.WriteFile(db+".origin", b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := litestream.WriteTXIDFile(db, 7); err != nil {
		t.Fatal(err)
	}
	return db, data
}

func testEnv(db string) *env {
	return &env{dbPath: db, stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
}

// The data folder standby filled is recorded in the database at the takeover, so
// that serve started again (and every later command) uses it, not the folder the
// primary recorded or the default; serve --data is recorded likewise.
func TestTakeoverRecordsTheStandbyDataDir(t *testing.T) {
	ctx := context.Background()
	db, data := madeBy(t, "standby", false)
	store, _, err := openServed(ctx, testEnv(db), "", "", make(chan report.AlertFacts, 1))
	if err != nil {
		t.Fatal(err)
	}
	if store.DataDir() != data {
		t.Errorf("takeover uses %s, want %s", store.DataDir(), data)
	}
	store.Close()
	again, _, err := openServed(ctx, testEnv(db), "", "", make(chan report.AlertFacts, 1))
	if err != nil {
		t.Fatal(err)
	}
	if again.DataDir() != data {
		t.Errorf("serve after the takeover uses %s, want %s", again.DataDir(), data)
	}
	again.Close()

	other := filepath.Join(t.TempDir(), "moved")
	if err := os.Rename(data, other); err != nil {
		t.Fatal(err)
	}
	s, _, err := openServed(ctx, testEnv(db), other, "", make(chan report.AlertFacts, 1))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	later, err := storage.Open(ctx, storage.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer later.Close()
	if later.DataDir() != other {
		t.Errorf("a command after serve --data %s uses %s", other, later.DataDir())
	}
}

// serve claims a standby's database before it writes to it: when it then refuses
// (here, the signing key was not copied), standby will not resume on it all the same.
func TestTakeoverClaimsBeforeRefusing(t *testing.T) {
	db, data := madeBy(t, "standby", false)
	if err := os.Remove(filepath.Join(data, "signing.key")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := openServed(context.Background(), testEnv(db), "", "", make(chan report.AlertFacts, 1)); err == nil {
		t.Fatal("served without the signing key")
	}
	if _, err := os.Stat(litestream.TXIDPath(db)); err == nil {
		t.Fatal("the standby's follow position is still there: standby would resume on a database serve wrote to")
	}
}

// A restore that failed its check or was cut short (evidence perhaps not all
// fetched) leaves a database serve refuses; a restore that finished is served.
func TestServeRefusesAnUnfinishedRestore(t *testing.T) {
	ctx := context.Background()
	db, _ := madeBy(t, "restore", false)
	if _, _, err := openServed(ctx, testEnv(db), "", "", make(chan report.AlertFacts, 1)); err == nil || !strings.Contains(err.Error(), "restore again") {
		t.Fatalf("an unfinished restore was served: %v", err)
	}
	if err := replica.MarkChecked(db); err != nil {
		t.Fatal(err)
	}
	store, _, err := openServed(ctx, testEnv(db), "", "", make(chan report.AlertFacts, 1))
	if err != nil {
		t.Fatalf("a checked restore: %v", err)
	}
	store.Close()
}

// backup runs restore's check on its copy, records it, and says what it does not
// hold and how to copy it.
func TestBackupChecksAndSaysWhatItDoesNotHold(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	if code, _, stderr := cli(t, "--db", db, "election", "add", "--code", "kz-2026", "--name", "Test", "--date", "2026-03-15"); code != 0 {
		t.Fatalf("election add: %s", stderr)
	}
	out := filepath.Join(dir, "b.db")
	code, stdout, stderr := cli(t, "--db", db, "backup", "--out", out)
	if code != 0 || !strings.Contains(stdout, "check: integrity ok; audit chain intact") ||
		!strings.Contains(stdout, "does NOT hold the evidence files or the keys") || !strings.Contains(stdout, "rsync -a") ||
		!strings.Contains(stdout, "personal-data.key") || !strings.Contains(stdout, "signing.key") {
		t.Fatalf("backup: exit %d, %s %s", code, stdout, stderr)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the backup file: %v, %v", fi, err)
	}
	s, err := storage.Open(context.Background(), storage.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := s.Continuity(context.Background())
	if err != nil || c.CheckAt.IsZero() || !strings.Contains(c.CheckNote, "backup") {
		t.Fatalf("the check was not recorded: %+v, %v", c, err)
	}
	if code, _, stderr := cli(t, "--db", db, "backup", "--out", out); code == 0 || !strings.Contains(stderr, "already exists") {
		t.Fatalf("backup over an existing file: exit %d, %s", code, stderr)
	}
}
