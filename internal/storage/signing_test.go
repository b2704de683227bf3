package storage

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
