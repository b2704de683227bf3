package storage

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/observerkz/observer/internal/report"
)

// The installation's evidence-pack signing key: Ed25519, PEM PKCS #8, in the data
// directory beside the personal-data key (outside the database: a copy of the
// database cannot sign), readable by the owner only, made on first use.

const signingKeyFile = "signing.key"

var signingKeyMu sync.Mutex

// SigningKey returns the installation's signing key, creating it on first use.
func (s *Store) SigningKey() (ed25519.PrivateKey, error) {
	signingKeyMu.Lock()
	defer signingKeyMu.Unlock()
	path := filepath.Join(s.dataDir, signingKeyFile)
	key, err := readSigningKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createSigningKey(path)
	}
	return key, err
}

// SigningPublicKey returns the public half (for the admin page's fingerprint:
// report.KeyFingerprint), creating the key on first use.
func (s *Store) SigningPublicKey() (ed25519.PublicKey, error) {
	k, err := s.SigningKey()
	if err != nil {
		return nil, err
	}
	return k.Public().(ed25519.PublicKey), nil
}

func readSigningKey(path string) (ed25519.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		// Someone loosened it (a restore, a copy): tighten it rather than refuse to
		// work on election night, and say so.
		slog.Warn("signing key was readable by others; restricting it to the owner", "path", path, "mode", fi.Mode().Perm().String())
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("store: unable to restrict the signing key %s: %w", path, err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the signing key %s: %w", path, err)
	}
	key, err := report.ParsePrivateKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("store: the signing key %s is damaged: %w", path, err)
	}
	return key, nil
}

// createSigningKey writes a new key durably. It links the finished file into place
// rather than renaming it, so that when two processes (the server and a command)
// create a key at the same moment, one wins and both use the winner's key.
func createSigningKey(path string) (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("store: unable to make the signing key: %w", err)
	}
	b, err := report.MarshalPrivateKeyPEM(priv)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".signing-*")
	if err != nil {
		return nil, fmt.Errorf("store: unable to save the signing key: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: unable to protect the signing key: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: unable to save the signing key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: unable to save the signing key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("store: unable to save the signing key: %w", err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readSigningKey(path)
		}
		return nil, fmt.Errorf("store: unable to save the signing key: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("store: unable to save the signing key: %w", err)
	}
	slog.Info("created the evidence-pack signing key", "path", path, "fingerprint", report.KeyFingerprint(priv.Public().(ed25519.PublicKey)))
	return priv, nil
}
