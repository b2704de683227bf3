package storage

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// sealer encrypts observers' personal data with AES-256-GCM under a key kept in the
// data directory, outside the database file: a leaked database alone leaks no names.
// A sealer whose key is missing (missing set) opens nothing and seals nothing:
// commands that need no personal data still run; serve refuses (SealingKeyMissing).
type sealer struct {
	aead    cipher.AEAD
	missing error
	// phoneKey keys the hash senders are matched by (intake.md): derived from the
	// personal-data key, so the hashes are worthless without it.
	phoneKey []byte
	// nameKey keys the hashes that stand for typed names (failed sign-ins) in the
	// audit log: derived from the same key, so a leaked database alone cannot test
	// guesses of who tried.
	nameKey []byte
}

const personalKeyFile = "personal-data.key"

// openSealer reads the key, or makes one for a database that holds no sealed data
// yet: with sealed data and no key, the key was not copied (restore, standby, a
// new data folder), and a new key would only seal new data under another.
func openSealer(dataDir string, holdsSealed bool) (*sealer, error) {
	path := filepath.Join(dataDir, personalKeyFile)
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && holdsSealed {
		return &sealer{missing: fmt.Errorf("store: the database holds sealed personal data but %s is missing: copy the key folder here (restore and standby take it with --keys); refusing to make a new key", path)}, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("store: unable to make the personal-data key: %w", err)
		}
		if err := writeFileSync(path, key, 0o600); err != nil {
			return nil, fmt.Errorf("store: unable to save the personal-data key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("store: unable to read the personal-data key %s: %w", path, err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("store: the personal-data key %s is damaged (%d bytes, want 32)", path, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("observer: phone numbers"))
	nk := sha256.Sum256(append([]byte("observer: typed-name hashes\x00"), key...))
	return &sealer{aead: aead, phoneKey: mac.Sum(nil), nameKey: nk[:]}, nil
}

// nameHash is the keyed hash kept instead of a typed name.
func (s *sealer) nameHash(name string) string {
	m := hmac.New(sha256.New, s.nameKey)
	m.Write([]byte(name))
	return "hmac:" + hex.EncodeToString(m.Sum(nil)[:16])
}

func (s *sealer) seal(plain, aad []byte) ([]byte, error) {
	if s.missing != nil {
		return nil, s.missing
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return s.aead.Seal(nonce, nonce, plain, aad), nil
}

func (s *sealer) open(sealed, aad []byte) ([]byte, error) {
	if s.missing != nil {
		return nil, s.missing
	}
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("store: sealed personal data is too short")
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, errors.New("store: unable to open sealed personal data (wrong key?)")
	}
	return out, nil
}

// writeFileSync writes a new file durably: temp file, fsync, rename, fsync of the folder.
func writeFileSync(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// keyed hashes a sender's identity (an E.164 number, "tg:<user id>") under phoneKey.
func (s *sealer) keyed(identity string) string {
	mac := hmac.New(sha256.New, s.phoneKey)
	mac.Write([]byte(identity))
	return hex.EncodeToString(mac.Sum(nil))
}

// SealingKeyMissing is why the observers' personal data cannot be read or written
// here (nil when it can): serve refuses to start without the key.
func (s *Store) SealingKeyMissing() error { return s.sealer.missing }
