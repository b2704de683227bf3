package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/observerkz/observer/internal/replica"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// openServed opens the database for serve: the first time on a database made by
// restore or standby it starts a new epoch; with a replica URL it starts
// replicating (refusing a replica another primary writes to), and a lag over
// replica.LagAlert is handed to lagAlerts for the alert sender (never waiting on it).
func openServed(ctx context.Context, e *env, data, replicateURL string, lagAlerts chan<- report.AlertFacts) (*storage.Store, *replica.Replicator, error) {
	origin, err := replica.ReadOrigin(e.dbPath)
	if err != nil {
		return nil, nil, err
	}
	if origin != nil {
		if _, err := os.Stat(e.dbPath); err != nil {
			return nil, nil, fmt.Errorf("%s was to be made by %s from %s but is not there (the standby never caught up?): %w", e.dbPath, origin.MadeBy, origin.From, err)
		}
		if origin.MadeBy == "restore" && !origin.Checked {
			return nil, nil, fmt.Errorf("%s was restored from %s but its restore did not finish (it failed its check or was cut short): restore again into a new --db", e.dbPath, origin.From)
		}
		if data == "" {
			data = origin.DataDir
		}
		// Before the first write: standby will not resume on it from now on.
		if err := replica.Claim(e.dbPath); err != nil {
			return nil, nil, err
		}
	}
	// The data folder is recorded (serve --data, or the one restore or standby
	// filled), so that later commands and restarts find it without being told.
	store, err := storage.Open(ctx, storage.Options{Path: e.dbPath, DataDir: data, RecordDataDir: true, Replicating: replicateURL != ""})
	if err != nil {
		return nil, nil, err
	}
	if err := errors.Join(store.SealingKeyMissing(), store.SigningKeyMissing()); err != nil {
		store.Close()
		return nil, nil, err
	}
	if origin != nil {
		epoch, err := store.NewEpoch(ctx, fmt.Sprintf("first serve of a database made by %s from %s", origin.MadeBy, origin.From))
		if err == nil {
			err = replica.Served(e.dbPath)
		}
		if err != nil {
			store.Close()
			return nil, nil, err
		}
		fmt.Fprintf(e.stdout, "Took over: a database made by %s from %s; new epoch %s (clients send again what they kept)\n", origin.MadeBy, origin.From, epoch)
	}
	if replicateURL == "" {
		return store, nil, nil
	}
	t, err := replica.Parse(ctx, replicateURL)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	onLag := func(st replica.Status) {
		select {
		case lagAlerts <- report.AlertFacts{Kind: report.AlertReplicaLag, Replica: st.URL, LagSeconds: int(st.Lag / time.Second), At: st.Since}:
		default: // the sender has not taken the last ones yet; the log has this one
		}
	}
	rep, err := replica.Start(ctx, t, store.Path(), store.DataDir(), store.Epoch(), log, onLag)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	fmt.Fprintf(e.stdout, "Replicating the database and evidence files to %s\n", replicateURL)
	return store, rep, nil
}

func closeServed(store *storage.Store, rep *replica.Replicator) {
	store.Close()
	if rep != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := rep.Close(ctx); err != nil {
			slog.Warn("replica: last sync failed", "err", err)
		}
	}
}

// dataDirFor is the absolute folder of evidence and keys: --data, else where storage
// puts them when --data is not given.
func dataDirFor(data, dbPath string) (string, error) {
	if data == "" {
		data = strings.TrimSuffix(dbPath, filepath.Ext(dbPath)) + "-data"
	}
	return filepath.Abs(data)
}

// checkRestored runs the check restore and backup share and prints what it found;
// missing says what an evidence file named but not in dataDir means there.
func checkRestored(ctx context.Context, e *env, dbPath, dataDir, missing string) error {
	r, err := storage.CheckDatabase(ctx, dbPath, dataDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "check: %s\n", r.Summary())
	for _, sha := range r.Missing {
		fmt.Fprintf(e.stdout, "awaiting re-upload (%s): %s\n", missing, sha)
	}
	return nil
}

func init() {
	rc := command{name: "restore", summary: "rebuilds the database and evidence files from a replica, and checks them",
		usage: "--from URL --keys DIR [--at RFC3339] [--data DIR]"}
	rc.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(rc, e)
		from := fs.String("from", "", "the replica: file:///dir or s3://bucket/path?endpoint=…&region=…")
		keys := fs.String("keys", "", "folder holding personal-data.key and signing.key (never replicated)")
		at := fs.String("at", "", "restore the state at this time (RFC 3339), not the latest")
		data := fs.String("data", "", "folder for evidence files and keys (default: next to the database)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *from == "" {
			return errors.New("--from URL is required")
		}
		var when time.Time
		if *at != "" {
			t, err := time.Parse(time.RFC3339, *at)
			if err != nil {
				return fmt.Errorf("--at %q: give a time like 2026-12-06T21:30:00+05:00", *at)
			}
			when = t
		}
		dataDir, err := dataDirFor(*data, e.dbPath)
		if err != nil {
			return err
		}
		if _, err := os.Stat(e.dbPath); err == nil {
			return fmt.Errorf("%s already exists: restore makes a new database; give another --db", e.dbPath)
		}
		if err := replica.CopyKeys(*keys, dataDir); err != nil {
			return err
		}
		t, err := replica.Parse(ctx, *from)
		if err != nil {
			return err
		}
		start := time.Now()
		n, err := replica.Restore(ctx, t, e.dbPath, dataDir, when)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "restored %s from %s (%d evidence files) in %s\n", e.dbPath, *from, n, time.Since(start).Round(time.Millisecond))
		if err := checkRestored(ctx, e, e.dbPath, dataDir, "acknowledged, not yet replicated; the phones' outboxes send it again"); err != nil {
			return err
		}
		st, err := storage.Open(ctx, storage.Options{Path: e.dbPath, DataDir: dataDir})
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.RecordDataDir(ctx); err != nil {
			return err
		}
		if err := st.RecordCheck(ctx, "restore from "+*from); err != nil {
			return err
		}
		if err := replica.MarkChecked(e.dbPath); err != nil {
			return err
		}
		if err := st.SigningKeyMissing(); err != nil {
			return fmt.Errorf("%s is restored, but serve will refuse it until its signing key is there: %w", e.dbPath, err)
		}
		fmt.Fprintf(e.stdout, "done: serve it with: observer --db %s serve --replicate NEW-URL (a new epoch starts; replicate to a new path)\n", e.dbPath)
		return nil
	}
	register(rc)

	sc := command{name: "standby", summary: "keeps the database and evidence files following a replica; stop it and serve to take over",
		usage: "--from URL --keys DIR [--data DIR]"}
	sc.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(sc, e)
		from := fs.String("from", "", "the replica: file:///dir or s3://bucket/path?endpoint=…&region=…")
		keys := fs.String("keys", "", "folder holding personal-data.key and signing.key (never replicated)")
		data := fs.String("data", "", "folder for evidence files and keys (default: next to the database)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *from == "" {
			return errors.New("--from URL is required")
		}
		dataDir, err := dataDirFor(*data, e.dbPath)
		if err != nil {
			return err
		}
		if err := replica.CopyKeys(*keys, dataDir); err != nil {
			return err
		}
		t, err := replica.Parse(ctx, *from)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "standby: following %s into %s (data %s); stop it (Ctrl+C) and run serve to take over\n", *from, e.dbPath, dataDir)
		return replica.Standby(ctx, t, e.dbPath, dataDir, func() {
			fmt.Fprintln(e.stdout, "standby: caught up; following")
		})
	}
	register(sc)
}
