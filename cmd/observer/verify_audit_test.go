package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/web/i18n"
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

// verify PACK.zip runs the evidence pack's verification: 0 for a pack as made,
// 1 once a byte of it changes.
func TestVerifyPackCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	if exit, _, stderr := cli(t, "--db", db, "election", "add", "--code", "kz-2026", "--name", "Test", "--date", "2026-03-15"); exit != 0 {
		t.Fatalf("election add: %s", stderr)
	}
	ctx := context.Background()
	st, err := storage.Open(ctx, storage.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	el, err := st.ElectionByCode(ctx, "kz-2026")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := report.NewStatsCache(st).Document(ctx, report.StatsQuery{Election: el.Code, SmallNThreshold: 30})
	if err != nil {
		t.Fatal(err)
	}
	var zip bytes.Buffer
	_, err = st.WriteEvidencePack(ctx, &zip, report.User{Login: "cli"}, report.PackOptions{Election: el, Tr: i18n.New("en"), Stats: doc})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	pack := writeFile(t, dir, "pack.zip", zip.String())
	if exit, stdout, stderr := cli(t, "verify", "--lang", "en", pack); exit != 0 {
		t.Fatalf("pack as made: exit %d\n%s%s", exit, stdout, stderr)
	}
	// Limits on what a check unpacks (against compression bombs) are the caller's to set.
	if exit, stdout, _ := cli(t, "verify", "--lang", "en", "--max-total", "10KiB", pack); exit != 1 || !strings.Contains(stdout, "not checked") {
		t.Fatalf("a pack over --max-total: exit %d\n%s", exit, stdout)
	}
	if exit, _, stderr := cli(t, "verify", "--max-entry", "lots", pack); exit == 0 || !strings.Contains(stderr, "not an amount of bytes") {
		t.Fatalf("a nonsense --max-entry: exit %d\n%s", exit, stderr)
	}
	// One byte flipped a third of the way in: inside some entry's data (the
	// directory is at the end), which then no longer matches its sum or CRC.
	b := zip.Bytes()
	b[len(b)/3] ^= 0xff
	bad := writeFile(t, dir, "bad.zip", string(b))
	if exit, stdout, _ := cli(t, "verify", "--lang", "en", bad); exit != 1 {
		t.Fatalf("changed pack: exit %d\n%s", exit, stdout)
	}
}

func TestServeSizeFlags(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	o := serveFlags(fs)
	if err := fs.Parse([]string{"--max-pack", "500MiB", "--max-verify", "2GB"}); err != nil {
		t.Fatal(err)
	}
	if *o.maxPack != 500<<20 || *o.maxVerify != 2_000_000_000 {
		t.Errorf("--max-pack %d, --max-verify %d", *o.maxPack, *o.maxVerify)
	}
	fs.SetOutput(io.Discard)
	if err := fs.Parse([]string{"--max-pack", "-3"}); err == nil {
		t.Error("a negative size was taken")
	}
}

// A database written before content and audit hashes came from encoding/json
// (internal/storage/testdata/README.md) still verifies.
func TestVerifyAuditOldDatabase(t *testing.T) {
	old, err := os.ReadFile("../../internal/storage/testdata/before-encoding-json.db")
	if err != nil {
		t.Fatal(err)
	}
	db := writeFile(t, t.TempDir(), "old.db", string(old))
	exit, stdout, stderr := cli(t, "--db", db, "verify", "--audit")
	if exit != 0 || !strings.HasPrefix(strings.TrimSpace(stdout), "audit chain intact: ") {
		t.Fatalf("exit %d, %q %q", exit, stdout, stderr)
	}
	var n int
	if _, err := fmt.Sscanf(strings.TrimSpace(stdout), "audit chain intact: %d entries checked", &n); err != nil || n < 146 {
		t.Fatalf("%q: %d entries, %v", stdout, n, err)
	}
}
