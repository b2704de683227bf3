package storage

import (
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

func TestSigningKey(t *testing.T) {
	s := openTest(t)
	k1, err := s.SigningKey()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.DataDir(), "signing.key")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("signing.key: %v %v", fi.Mode(), err)
	}
	os.Chmod(path, 0o644)
	k2, err := s.SigningKey()
	if err != nil || !k1.Equal(k2) {
		t.Fatalf("the key changed on re-reading: %v", err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("loosened permissions were not restored: %v", fi.Mode())
	}
	// Two makers at once (two processes in real life) end with one key.
	dir := t.TempDir()
	keys := make(chan ed25519.PrivateKey, 8)
	for i := 0; i < 8; i++ {
		go func() {
			k, err := readOrCreate(filepath.Join(dir, "signing.key"))
			if err != nil {
				t.Error(err)
			}
			keys <- k
		}()
	}
	first := <-keys
	for i := 1; i < 8; i++ {
		if k := <-keys; !first.Equal(k) {
			t.Fatal("concurrent makers ended with different keys")
		}
	}
	os.WriteFile(path, []byte("not a key"), 0o600)
	if _, err := s.SigningKey(); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("a damaged key file gave %v", err)
	}
}

// readOrCreate is SigningKey without the in-process lock, as two processes see it.
func readOrCreate(path string) (ed25519.PrivateKey, error) {
	k, err := readSigningKey(path)
	if os.IsNotExist(err) {
		return createSigningKey(path)
	}
	return k, err
}

// The database records its key's fingerprint when it first opens; a missing key is
// then refused, not replaced, and so is another key; a key lost for good is
// replaced only on purpose, with a reason in the audit log.
func TestSigningKeyRecordedAndRefusedWhenMissing(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if err := s.SigningKeyMissing(); err != nil {
		t.Fatalf("a new database: %v", err)
	}
	key, err := s.SigningKey()
	if err != nil {
		t.Fatal(err)
	}
	fp := report.KeyFingerprint(key.Public().(ed25519.PublicKey))
	if got, _, _ := s.Setting(ctx, signingFingerprintSetting); got != fp {
		t.Fatalf("recorded fingerprint %q, want %q", got, fp)
	}
	path, data := s.Path(), s.DataDir()
	keyPath := filepath.Join(data, signingKeyFile)
	s.Close()

	// The data folder came back without the key (a restore without it).
	saved, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.Remove(keyPath))
	s2 := reopen(t, path, data)
	err = s2.SigningKeyMissing()
	if err == nil || !strings.Contains(err.Error(), keyPath+" is missing") || !strings.Contains(err.Error(), fp) ||
		!strings.Contains(err.Error(), "refusing to make a new key") {
		t.Fatalf("missing key: %v", err)
	}
	if _, err := s2.SigningKey(); err == nil {
		t.Fatal("signed without the key")
	}
	if _, err := os.Stat(keyPath); err == nil {
		t.Fatal("a new key was made")
	}
	s2.Close()

	// Another installation's key is refused too.
	other := t.TempDir()
	o, err := Open(ctx, Options{Path: filepath.Join(other, "o.db"), DataDir: filepath.Join(other, "data")})
	if err != nil {
		t.Fatal(err)
	}
	o.Close()
	otherKey, _ := os.ReadFile(filepath.Join(other, "data", signingKeyFile))
	must(t, os.WriteFile(keyPath, otherKey, 0o600))
	s3 := reopen(t, path, data)
	if err := s3.SigningKeyMissing(); err == nil || !strings.Contains(err.Error(), "is not the key this database signs with") {
		t.Fatalf("another key: %v", err)
	}
	if _, err := s3.NewSigningKey(ctx, "lost"); err == nil || !strings.Contains(err.Error(), "move it away first") {
		t.Fatalf("a new key over a key file: %v", err)
	}
	s3.Close()

	// The right key back: all is well again.
	must(t, os.WriteFile(keyPath, saved, 0o600))
	s4 := reopen(t, path, data)
	if err := s4.SigningKeyMissing(); err != nil {
		t.Fatalf("the key copied back: %v", err)
	}
	s4.Close()

	// Lost for good: a new key on purpose, recorded with the reason.
	must(t, os.Remove(keyPath))
	s5 := reopen(t, path, data)
	if _, err := s5.NewSigningKey(ctx, ""); err == nil {
		t.Fatal("a new key without a reason")
	}
	newFP, err := s5.NewSigningKey(ctx, "the primary's disk died before the key was copied")
	if err != nil || newFP == fp {
		t.Fatalf("new key %q: %v", newFP, err)
	}
	if err := s5.SigningKeyMissing(); err != nil {
		t.Fatal(err)
	}
	entries, err := s5.AuditLog(ctx, 0, 1)
	if err != nil || len(entries) != 1 {
		t.Fatal(err)
	}
	last := entries[0]
	if last.Entity != "signing_key" || last.EntityID != newFP || last.Before != fp || !strings.Contains(last.After, "disk died") {
		t.Fatalf("audit entry %+v", last)
	}
	s5.Close()
	if err := reopen(t, path, data).SigningKeyMissing(); err != nil {
		t.Fatalf("after the new key: %v", err)
	}
}

// A database from before the fingerprint was recorded: one that signed packs and
// comes without its key is refused; one that never signed gets a new key.
func TestSigningKeyOfAnOlderDatabase(t *testing.T) {
	ctx := context.Background()
	for _, signed := range []bool{true, false} {
		s := openTest(t)
		err := s.Write(ctx, func(tx *Tx) error {
			if _, err := tx.exec("DELETE FROM settings WHERE key = ?", signingFingerprintSetting); err != nil {
				return err
			}
			if !signed {
				return nil
			}
			return tx.Audit(report.AuditEntry{Actor: "admin", Action: report.AuditExport, Entity: report.EntityPack, EntityID: "pack.zip"})
		})
		if err != nil {
			t.Fatal(err)
		}
		path, data := s.Path(), s.DataDir()
		s.Close()
		must(t, os.Remove(filepath.Join(data, signingKeyFile)))
		s2 := reopen(t, path, data)
		err = s2.SigningKeyMissing()
		_, statErr := os.Stat(filepath.Join(data, signingKeyFile))
		switch {
		case signed && (err == nil || !strings.Contains(err.Error(), "has signed 1 evidence pack(s)")):
			t.Fatalf("signed before, key missing: %v", err)
		case signed && statErr == nil:
			t.Fatal("a new key was made for a database that signed packs")
		case !signed && (err != nil || statErr != nil):
			t.Fatalf("never signed: %v, key file: %v", err, statErr)
		}
	}
}

func reopen(t *testing.T, path, data string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Path: path, DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
