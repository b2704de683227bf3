package replica

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/benbjohnson/litestream"
)

// Origin says a database was made by restore or standby; serve reads it the first
// time it opens that database (a new epoch) and then removes it.
type Origin struct {
	MadeBy  string    `json:"made_by"` // "restore" or "standby"
	From    string    `json:"from"`
	DataDir string    `json:"data_dir"`
	At      time.Time `json:"at"`
	// Checked: restore's check passed (serve refuses a restored database without
	// it: the restore failed or was cut short, evidence may be missing).
	Checked bool `json:"checked,omitempty"`
}

func originPath(dbPath string) string { return dbPath + ".origin" }

// ReadOrigin reads the marker next to the database (nil when there is none).
func ReadOrigin(dbPath string) (*Origin, error) {
	b, err := os.ReadFile(originPath(dbPath))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var o Origin
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, fmt.Errorf("replica: %s is damaged: %w", originPath(dbPath), err)
	}
	return &o, nil
}

func writeOrigin(dbPath string, o Origin) error {
	b, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(originPath(dbPath), append(b, '\n'), 0o600)
}

// MarkChecked records in the marker that restore's check passed.
func MarkChecked(dbPath string) error {
	o, err := ReadOrigin(dbPath)
	if err != nil {
		return err
	}
	if o == nil {
		return fmt.Errorf("replica: %s has no restore marker", originPath(dbPath))
	}
	o.Checked = true
	return writeOrigin(dbPath, *o)
}

// Claim removes Litestream's follow position before serve first writes to a
// database made by standby: standby then refuses to resume on it, even if serve
// stops before its new epoch.
func Claim(dbPath string) error {
	if err := os.Remove(litestream.TXIDPath(dbPath)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Served removes the marker and Litestream's follow position once serve has
// started a new epoch on the database: standby then refuses to resume on it.
func Served(dbPath string) error {
	for _, p := range []string{litestream.TXIDPath(dbPath), originPath(dbPath)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Keys are the files restore and standby copy from --keys: the sealing key is
// required (without it the observers' personal data cannot be read), the signing
// key is copied when there.
var (
	sealingKey = "personal-data.key"
	signingKey = "signing.key"
)

// CopyKeys copies the key files from keysDir into dataDir (owner-only).
func CopyKeys(keysDir, dataDir string) error {
	if keysDir == "" {
		return errors.New("--keys DIR is required: the folder holding personal-data.key (and signing.key), copied from the primary once; keys are never replicated")
	}
	if _, err := os.Stat(filepath.Join(keysDir, sealingKey)); err != nil {
		return fmt.Errorf("--keys %s: no %s there (copy the primary's key folder): %w", keysDir, sealingKey, err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	for _, name := range []string{sealingKey, signingKey} {
		b, err := os.ReadFile(filepath.Join(keysDir, name))
		if errors.Is(err, fs.ErrNotExist) && name == signingKey {
			continue
		} else if err != nil {
			return fmt.Errorf("--keys %s: unable to read %s: %w", keysDir, name, err)
		}
		dst := filepath.Join(dataDir, name)
		if old, err := os.ReadFile(dst); err == nil {
			if string(old) != string(b) {
				return fmt.Errorf("%s already holds a different %s: refusing to replace a key", dataDir, name)
			}
			continue
		}
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			return fmt.Errorf("unable to copy %s into %s: %w", name, dataDir, err)
		}
	}
	return nil
}

// Restore rebuilds dbPath from the replica (at its latest, or at the given time
// when at is not zero) and copies its evidence files into dataDir. It refuses to
// write over an existing database. Checking the result is the caller's (storage's
// check, shared with backup).
func Restore(ctx context.Context, t *Target, dbPath, dataDir string, at time.Time) (evidence int, err error) {
	if _, err := os.Stat(dbPath); err == nil {
		return 0, fmt.Errorf("%s already exists: restore makes a new database; give another --db", dbPath)
	}
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o700); err != nil {
		return 0, err
	}
	if err := writeOrigin(dbPath, Origin{MadeBy: "restore", From: t.URL, DataDir: dataDir, At: time.Now().UTC()}); err != nil {
		return 0, err
	}
	r := litestream.NewReplicaWithClient(nil, t.db)
	opt := litestream.NewRestoreOptions()
	opt.OutputPath = dbPath
	opt.Timestamp = at
	if err := r.Restore(ctx, opt); err != nil {
		os.Remove(originPath(dbPath))
		return 0, fmt.Errorf("replica %s: unable to restore the database: %w", t.URL, err)
	}
	if evidence, err = fetchEvidence(ctx, t, dataDir); err != nil {
		return evidence, err
	}
	return evidence, nil
}

// Standby keeps dbPath following the replica (Litestream's follow mode) and the
// evidence files following it too, until ctx ends. It refuses a database that was
// not made by standby or that serve has opened since (a takeover happened there).
func Standby(ctx context.Context, t *Target, dbPath, dataDir string, ready func()) error {
	if _, err := os.Stat(dbPath); err == nil {
		o, err := ReadOrigin(dbPath)
		if err != nil {
			return err
		}
		_, err = os.Stat(litestream.TXIDPath(dbPath))
		if o == nil || o.MadeBy != "standby" || err != nil {
			return fmt.Errorf("%s has been served (or was not made by standby): standby will not resume on it; give a new --db", dbPath)
		}
		if o.From != t.URL {
			return fmt.Errorf("%s follows %s, not %s", dbPath, o.From, t.URL)
		}
	} else if err := os.MkdirAll(filepath.Dir(dbPath), 0o700); err != nil {
		return err
	} else if err := writeOrigin(dbPath, Origin{MadeBy: "standby", From: t.URL, DataDir: dataDir, At: time.Now().UTC()}); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	filesDone := make(chan error, 1)
	go func() { filesDone <- followEvidence(ctx, t, dataDir) }()
	r := litestream.NewReplicaWithClient(nil, t.db)
	opt := litestream.NewRestoreOptions()
	opt.OutputPath = dbPath
	opt.Follow = true
	opt.FollowInterval = time.Second
	if ready != nil {
		go waitReady(ctx, dbPath, ready)
	}
	err := r.Restore(ctx, opt)
	// A replica the primary has not written its first snapshot to yet is waited for.
	for err != nil && ctx.Err() == nil && (errors.Is(err, litestream.ErrTxNotAvailable) || errors.Is(err, litestream.ErrNoSnapshots)) {
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
			err = r.Restore(ctx, opt)
		}
	}
	if ctx.Err() != nil && err != nil && (errors.Is(err, litestream.ErrTxNotAvailable) || errors.Is(err, litestream.ErrNoSnapshots)) {
		err = nil
	}
	cancel()
	ferr := <-filesDone
	if err != nil {
		return fmt.Errorf("replica %s: standby stopped: %w", t.URL, err)
	}
	return ferr
}

// waitReady calls ready once the database file is there (the first restore done).
func waitReady(ctx context.Context, dbPath string, ready func()) {
	for ctx.Err() == nil {
		if _, err := os.Stat(litestream.TXIDPath(dbPath)); err == nil {
			ready()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// followEvidence fetches new evidence files every second until ctx ends; a
// damaged file stops it (and so the standby), a replica out of reach does not.
func followEvidence(ctx context.Context, t *Target, dataDir string) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if _, err := fetchEvidence(ctx, t, dataDir); err != nil && ctx.Err() == nil {
			if errors.Is(err, errDamaged) {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
