package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CheckReport is what CheckDatabase found. Only a damaged database, a broken audit
// chain or an evidence file whose bytes do not match its name fail the check; a
// file not there (acknowledged but not yet replicated, or a backup without its data
// folder) is listed as awaiting re-upload: the phones' outboxes bring it back.
type CheckReport struct {
	AuditEntries int
	Evidence     int      // evidence files the database names
	Verified     int      // of them, found and hashed right
	Missing      []string // SHA-256 of those not in the data folder
	Mismatched   []string // SHA-256 of those whose bytes hash to something else
}

// Summary is one line for people.
func (r CheckReport) Summary() string {
	return fmt.Sprintf("integrity ok; audit chain intact (%d entries); evidence %d of %d verified, %d awaiting re-upload, %d damaged",
		r.AuditEntries, r.Verified, r.Evidence, len(r.Missing), len(r.Mismatched))
}

// CheckDatabase checks a database file that no one is writing (a backup, a
// restored copy): SQLite's integrity_check, the audit chain, and every evidence
// file it names against the data folder. restore and backup share it.
func CheckDatabase(ctx context.Context, path, dataDir string) (CheckReport, error) {
	var r CheckReport
	if _, err := os.Stat(path); err != nil {
		return r, fmt.Errorf("store: unable to check %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn(path, true, "FULL"))
	if err != nil {
		return r, fmt.Errorf("store: unable to open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return r, fmt.Errorf("store: unable to check %s: %w", path, err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return r, err
		}
		if line != "ok" && len(problems) < 5 {
			problems = append(problems, line)
		}
	}
	rows.Close()
	if len(problems) > 0 {
		return r, fmt.Errorf("store: %s is damaged (integrity_check): %s", path, strings.Join(problems, "; "))
	}
	if r.AuditEntries, err = verifyAuditChain(ctx, db); err != nil {
		return r, fmt.Errorf("store: the audit chain of %s does not verify: %w", path, err)
	}
	shas, err := db.QueryContext(ctx, "SELECT DISTINCT sha256 FROM evidence ORDER BY sha256")
	if err != nil {
		return r, fmt.Errorf("store: unable to list the evidence of %s: %w", path, err)
	}
	defer shas.Close()
	for shas.Next() {
		var sha string
		if err := shas.Scan(&sha); err != nil {
			return r, err
		}
		r.Evidence++
		ok, err := blobMatches(filepath.Join(dataDir, "evidence"), sha)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			r.Missing = append(r.Missing, sha)
		case err != nil:
			return r, err
		case !ok:
			r.Mismatched = append(r.Mismatched, sha)
		default:
			r.Verified++
		}
	}
	if err := shas.Err(); err != nil {
		return r, err
	}
	if len(r.Mismatched) > 0 {
		return r, fmt.Errorf("store: %d evidence file(s) in %s do not match their SHA-256, first %s", len(r.Mismatched), dataDir, r.Mismatched[0])
	}
	return r, nil
}

// blobMatches hashes the kept file named sha under dir.
func blobMatches(dir, sha string) (bool, error) {
	if !validSHA(sha) {
		return false, nil
	}
	f, err := os.Open(filepath.Join(dir, sha[:2], sha))
	if err != nil {
		return false, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, fmt.Errorf("store: unable to read evidence %s: %w", sha, err)
	}
	return hex.EncodeToString(h.Sum(nil)) == sha, nil
}
