package storage

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
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
// database cannot sign), readable by the owner only, made when a database is first
// opened. The database records the fingerprint of the key it signs with: once it
// has one, or has signed a pack, a missing or different key file is refused rather
// than replaced, because packs signed under a new key would no longer match the
// fingerprint people were given.

const signingKeyFile = "signing.key"

// signingFingerprintSetting is the settings key of the recorded fingerprint.
const signingFingerprintSetting = "signing_key_fingerprint"

var signingKeyMu sync.Mutex

// SigningKey returns the installation's signing key: the one the database
// recorded (made when the store first opened without one).
func (s *Store) SigningKey() (ed25519.PrivateKey, error) {
	signingKeyMu.Lock()
	defer signingKeyMu.Unlock()
	if s.signingMissing != nil {
		return nil, s.signingMissing
	}
	key, err := readSigningKey(s.signingKeyPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, s.signingKeyLost(s.signingFP, 0)
	} else if err != nil {
		return nil, err
	}
	if fp := report.KeyFingerprint(key.Public().(ed25519.PublicKey)); fp != s.signingFP {
		return nil, s.signingKeyOther(fp, s.signingFP)
	}
	return key, nil
}

// SigningPublicKey returns the public half (for the admin page's fingerprint:
// report.KeyFingerprint).
func (s *Store) SigningPublicKey() (ed25519.PublicKey, error) {
	k, err := s.SigningKey()
	if err != nil {
		return nil, err
	}
	return k.Public().(ed25519.PublicKey), nil
}

// SigningKeyMissing is why evidence packs cannot be signed here (nil when they
// can): serve refuses to start rather than sign under a key nobody was told of.
func (s *Store) SigningKeyMissing() error { return s.signingMissing }

func (s *Store) signingKeyPath() string { return filepath.Join(s.dataDir, signingKeyFile) }

// openSigning checks the key file against what the database recorded, when the
// store opens. A database that never had a key (none recorded, no pack signed)
// gets a new one now, beside the sealing key, so that the key folder copied to a
// standby holds both from the start; a key there and nothing recorded is recorded
// (databases from before the record).
func (s *Store) openSigning(ctx context.Context) error {
	fp, _, err := settingOf(ctx, s.rw, signingFingerprintSetting)
	if err != nil {
		return err
	}
	s.signingFP = fp
	key, err := readSigningKey(s.signingKeyPath())
	switch {
	case errors.Is(err, fs.ErrNotExist) && fp != "":
		s.signingMissing = s.signingKeyLost(fp, 0)
		return nil
	case errors.Is(err, fs.ErrNotExist):
		packs, err := signedPacks(ctx, s.rw)
		if err != nil {
			return err
		}
		if packs > 0 {
			s.signingMissing = s.signingKeyLost("", packs)
			return nil
		}
		key, err := createSigningKey(s.signingKeyPath())
		if err != nil {
			return err
		}
		return s.recordSigningKey(ctx, report.KeyFingerprint(key.Public().(ed25519.PublicKey)), "", "")
	case err != nil:
		s.signingMissing = err
		return nil
	}
	have := report.KeyFingerprint(key.Public().(ed25519.PublicKey))
	switch {
	case fp == "":
		return s.recordSigningKey(ctx, have, "", "")
	case have != fp:
		s.signingMissing = s.signingKeyOther(have, fp)
	}
	return nil
}

func (s *Store) signingKeyLost(fp string, packs int) error {
	what := "signs with the key whose fingerprint is " + fp
	if fp == "" {
		what = fmt.Sprintf("has signed %d evidence pack(s)", packs)
	}
	return fmt.Errorf("store: the database %s but %s is missing: copy signing.key from the key folder "+
		"(restore and standby take it with --keys) or a backup of the data folder into %s; refusing to make a new key, "+
		"which would sign packs under a fingerprint nobody was given (if the key is lost for good: observer signing-key new --reason TEXT)",
		what, s.signingKeyPath(), s.dataDir)
}

func (s *Store) signingKeyOther(have, want string) error {
	return fmt.Errorf("store: %s is not the key this database signs with (its fingerprint %s; the database's %s): "+
		"copy the right signing.key from the key folder or a backup into %s (if the right one is lost for good, move this one away and run observer signing-key new --reason TEXT)",
		s.signingKeyPath(), have, want, s.dataDir)
}

// signedPacks counts the evidence packs the audit log says were made here.
func signedPacks(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE entity = ? AND action = ?",
		report.EntityPack, report.AuditExport).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unable to count the evidence packs signed: %w", err)
	}
	return n, nil
}

// recordSigningKey records fp as the database's signing key; a replacement (old
// set) also goes into the audit log with its reason.
func (s *Store) recordSigningKey(ctx context.Context, fp, old, why string) error {
	err := s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`INSERT INTO settings(key, value) VALUES (?, ?)
			ON CONFLICT(key) DO UPDATE SET value = excluded.value`, signingFingerprintSetting, fp); err != nil {
			return fmt.Errorf("store: unable to record the signing key: %w", err)
		}
		if why == "" {
			return nil
		}
		return tx.Audit(report.AuditEntry{Actor: "system", Action: report.AuditUpdate, Entity: "signing_key",
			EntityID: fp, Before: old, After: why})
	})
	if err != nil {
		return err
	}
	s.signingFP, s.signingMissing = fp, nil
	return nil
}

// NewSigningKey makes a new signing key for a database whose key is lost for good,
// and records it with the reason: packs signed before still verify against their
// own fingerprint; whoever checks packs must be given the new one. It refuses when
// a key file is there (move it away first: nothing is replaced silently).
func (s *Store) NewSigningKey(ctx context.Context, reason string) (string, error) {
	if reason == "" {
		return "", errors.New("store: give the reason the old signing key is replaced (it goes into the audit log)")
	}
	signingKeyMu.Lock()
	defer signingKeyMu.Unlock()
	path := s.signingKeyPath()
	if _, err := os.Stat(path); err == nil {
		return "", fmt.Errorf("store: %s is there: nothing to replace (to replace it on purpose, move it away first)", path)
	}
	key, err := createSigningKey(path)
	if err != nil {
		return "", err
	}
	fp := report.KeyFingerprint(key.Public().(ed25519.PublicKey))
	if err := s.recordSigningKey(ctx, fp, s.signingFP, "new key, the old one lost: "+reason); err != nil {
		return "", err
	}
	return fp, nil
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
