package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/storage"
)

func TestVerifyAuditCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	for _, code := range []string{"kz-2026-a", "kz-2026-b", "kz-2026-c"} {
		if exit, _, stderr := cli(t, "--db", db, "election", "add", "--code", code, "--name", "Test", "--date", "2026-03-15"); exit != 0 {
			t.Fatalf("election add: %s", stderr)
		}
	}
	exit, stdout, stderr := cli(t, "--db", db, "verify", "--audit")
	if exit != 0 || strings.TrimSpace(stdout) != "audit chain intact: 3 entries checked" {
		t.Fatalf("intact: exit %d, %q %q", exit, stdout, stderr)
	}

	st, err := storage.Open(context.Background(), storage.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Write(context.Background(), func(tx *storage.Tx) error {
		if _, err := tx.Exec("DROP TRIGGER audit_log_no_update"); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE audit_log SET after = '{"code":"kz-2026-x"}' WHERE id = 2`)
		return err
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	exit, stdout, _ = cli(t, "--db", db, "verify", "--audit")
	if exit != 1 || !strings.Contains(stdout, "audit chain BROKEN at entry 2") || !strings.Contains(stdout, "edited") {
		t.Fatalf("tampered: exit %d, %q", exit, stdout)
	}

	if exit, _, stderr = cli(t, "--db", db, "verify"); exit == 0 || !strings.Contains(stderr, "--audit") {
		t.Fatalf("no argument: exit %d, %q", exit, stderr)
	}
	notZip := writeFile(t, dir, "pack.zip", "not a zip")
	if exit, _, stderr = cli(t, "verify", notZip); exit == 0 || !strings.Contains(stderr, "not a readable ZIP") {
		t.Fatalf("not a pack: exit %d, %q", exit, stderr)
	}
}
