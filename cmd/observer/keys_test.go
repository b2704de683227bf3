package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serve refuses a database whose signing key is missing, saying which file and how
// to bring it back; signing-key new (with a reason) is the way on when it is lost.
func TestServeRefusesWithoutTheSigningKey(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	if code, _, stderr := cli(t, "--db", db, "election", "add", "--code", "kz-2026", "--name", "Test", "--date", "2026-03-15"); code != 0 {
		t.Fatalf("election add: %s", stderr)
	}
	key := filepath.Join(dir, "o-data", "signing.key")
	if err := os.Remove(key); err != nil {
		t.Fatalf("the signing key was not made with the database: %v", err)
	}
	code, _, stderr := cli(t, "--db", db, "serve", "--addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(stderr, key+" is missing") || !strings.Contains(stderr, "--keys") ||
		!strings.Contains(stderr, "observer signing-key new") {
		t.Fatalf("serve without its signing key: exit %d, %s", code, stderr)
	}
	if _, err := os.Stat(key); err == nil {
		t.Fatal("serve made a new key")
	}
	if code, _, stderr := cli(t, "--db", db, "signing-key", "new"); code == 0 || !strings.Contains(stderr, "--reason") {
		t.Fatalf("signing-key new without a reason: exit %d, %s", code, stderr)
	}
	code, stdout, stderr := cli(t, "--db", db, "signing-key", "new", "--reason", "lost with the old disk")
	if code != 0 || !strings.Contains(stdout, "fingerprint") {
		t.Fatalf("signing-key new: exit %d, %s %s", code, stdout, stderr)
	}
	if code, _, stderr := cli(t, "--db", db, "signing-key", "new", "--reason", "again"); code == 0 || !strings.Contains(stderr, "move it away first") {
		t.Fatalf("signing-key new over a key: exit %d, %s", code, stderr)
	}
}
