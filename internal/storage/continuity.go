package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// idFloorStep is how far above the highest id a new epoch starts new incidents and
// observations (rounded up to a whole step): far more than a primary hands out in
// the minutes a replica may lag, so an id an observer was told before the loss
// never names another record after it.
const idFloorStep = 1_000_000

// Continuity is what the database knows about its replicas' world.
type Continuity struct {
	Epoch     string
	IDFloor   int64
	DataDir   string
	ChangedAt time.Time
	CheckAt   time.Time
	CheckNote string
}

// Continuity reads the epoch row.
func (s *Store) Continuity(ctx context.Context) (Continuity, error) {
	var c Continuity
	var changed, checked string
	err := s.ro.QueryRowContext(ctx, `SELECT epoch, id_floor, data_dir, changed_at, check_at, check_note FROM continuity WHERE id = 1`).
		Scan(&c.Epoch, &c.IDFloor, &c.DataDir, &changed, &checked, &c.CheckNote)
	if err != nil {
		return c, fmt.Errorf("store: unable to read the epoch: %w", err)
	}
	c.ChangedAt, c.CheckAt = parseTime(changed), parseTime(checked)
	return c, nil
}

// Epoch is the id clients compare to know whether to send again what they kept.
func (s *Store) Epoch() string {
	if e, ok := s.epoch.Load().(string); ok {
		return e
	}
	return ""
}

// loadContinuity caches the epoch and arms the id floor while either table has no
// row that reached it (an incident past the floor says nothing of observations).
func (s *Store) loadContinuity(ctx context.Context) error {
	var epoch string
	var floor int64
	if err := s.rw.QueryRowContext(ctx, "SELECT epoch, id_floor FROM continuity WHERE id = 1").Scan(&epoch, &floor); err != nil {
		return fmt.Errorf("store: unable to read the epoch: %w", err)
	}
	s.epoch.Store(epoch)
	if floor > 0 {
		var low int64
		err := s.rw.QueryRowContext(ctx, `SELECT min(coalesce((SELECT max(id) FROM incidents), 0), coalesce((SELECT max(id) FROM observations), 0))`).Scan(&low)
		if err != nil {
			return fmt.Errorf("store: unable to read the highest record ids: %w", err)
		}
		if low < floor {
			s.idFloor.Store(floor)
		}
	}
	return nil
}

func topRecordID(ctx context.Context, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int64, error) {
	var top int64
	err := db.QueryRowContext(ctx, `SELECT max(coalesce((SELECT max(id) FROM incidents), 0), coalesce((SELECT max(id) FROM observations), 0))`).Scan(&top)
	if err != nil {
		return 0, fmt.Errorf("store: unable to read the highest record id: %w", err)
	}
	return top, nil
}

// NewEpoch starts a new epoch on a database made by restore or standby, the first
// time serve opens it: a fresh epoch id, new records starting well above any id
// handed out before, the data folder recorded, and an audit entry saying why.
func (s *Store) NewEpoch(ctx context.Context, why string) (string, error) {
	var epoch string
	var floor int64
	err := s.Write(ctx, func(tx *Tx) error {
		var old string
		if err := tx.queryRow("SELECT epoch FROM continuity WHERE id = 1").Scan(&old); err != nil {
			return fmt.Errorf("store: unable to read the epoch: %w", err)
		}
		top, err := topRecordID(tx.ctx, tx.tx)
		if err != nil {
			return err
		}
		floor = (top/idFloorStep + 2) * idFloorStep
		if err := tx.queryRow("SELECT lower(hex(randomblob(8)))").Scan(&epoch); err != nil {
			return err
		}
		if _, err := tx.exec("UPDATE continuity SET epoch = ?, id_floor = ?, data_dir = ?, changed_at = ? WHERE id = 1",
			epoch, floor, s.dataDir, fmtTime(tx.Now())); err != nil {
			return fmt.Errorf("store: unable to start a new epoch: %w", err)
		}
		return tx.Audit(report.AuditEntry{Actor: "system", Action: report.AuditUpdate, Entity: "epoch", EntityID: epoch,
			Before: old, After: fmt.Sprintf("%s; new records from id %d", why, floor)})
	})
	if err != nil {
		return "", err
	}
	s.epoch.Store(epoch)
	s.idFloor.Store(floor)
	return epoch, nil
}

// RecordDataDir remembers the data folder restore or standby filled, where later
// commands find it (the setting Open reads) and where the admin page shows it.
func (s *Store) RecordDataDir(ctx context.Context) error {
	recorded, err := s.recordedDataDir(ctx)
	if err != nil {
		return err
	}
	if err := s.recordDataDir(ctx, recorded); err != nil {
		return err
	}
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec("UPDATE continuity SET data_dir = ? WHERE id = 1", s.dataDir)
		return err
	})
}

// RecordCheck remembers a check that passed (backup or restore).
func (s *Store) RecordCheck(ctx context.Context, note string) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec("UPDATE continuity SET check_at = ?, check_note = ? WHERE id = 1", fmtTime(tx.Now()), note)
		return err
	})
}

// newRecordID is the id for a new incident or observation: nil (SQLite's next)
// except in a new epoch before any record reached its floor.
func (t *Tx) newRecordID(table string) (any, error) {
	floor := t.store.idFloor.Load()
	if floor == 0 {
		return nil, nil
	}
	var top int64
	// table is one of two constants of this package, never outside input.
	if err := t.queryRow("SELECT coalesce(max(id), 0) FROM " + table).Scan(&top); err != nil {
		return nil, fmt.Errorf("store: unable to read the highest %s id: %w", table, err)
	}
	if top >= floor {
		return nil, nil
	}
	return floor, nil
}

// holdsSealedData says whether anything in the database is sealed with the
// personal-data key: observers' contacts, messages' senders, gateways' secrets,
// two-factor secrets, secret settings (serve then refuses to make a new key).
func holdsSealedData(ctx context.Context, db *sql.DB) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM observer_contacts)
		OR EXISTS(SELECT 1 FROM messages)
		OR EXISTS(SELECT 1 FROM sms_gateways)
		OR EXISTS(SELECT 1 FROM users WHERE totp_secret LIKE ?)
		OR EXISTS(SELECT 1 FROM settings WHERE key LIKE '%.secret')`, sealedPrefix+"%").Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("store: unable to look for sealed data: %w", err)
	}
	return n == 1, nil
}
