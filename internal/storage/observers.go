package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
)

// EnsureObserver returns the id of the observer with this code, creating it if new.
func EnsureObserver(tx *Tx, code, regionCode string, actor report.User) (int64, error) {
	if err := report.ValidateObserverCode(code); err != nil {
		return 0, err
	}
	var id int64
	err := tx.queryRow("SELECT id FROM observers WHERE code = ?", code).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: unable to find observer %s: %w", code, err)
	}
	res, err := tx.exec("INSERT INTO observers(code, region_code, created_at) VALUES (?, ?, ?)", code, regionCode, fmtTime(tx.Now()))
	if err != nil {
		return 0, fmt.Errorf("store: unable to create observer %s: %w", code, err)
	}
	id, _ = res.LastInsertId()
	return id, tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditCreate, Entity: "observer",
		EntityID: strconv.FormatInt(id, 10), After: fmt.Sprintf(`{"code":%q,"region_code":%q}`, code, regionCode)})
}

// SetObserverContact stores an observer's personal data, sealed. The audit entry says
// that it changed, never what it is.
func SetObserverContact(tx *Tx, observerID int64, c report.ObserverContact, actor report.User) error {
	plain, err := json.Marshal(c)
	if err != nil {
		return err
	}
	sealed, err := tx.store.sealer.seal(plain, contactAAD(observerID))
	if err != nil {
		return err
	}
	if _, err := tx.exec(`INSERT INTO observer_contacts(observer_id, sealed, updated_at, phone_key) VALUES (?, ?, ?, ?)
		ON CONFLICT(observer_id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at,
		phone_key = excluded.phone_key`,
		observerID, sealed, fmtTime(tx.Now()), tx.store.phoneKey(c.Phone)); err != nil {
		return fmt.Errorf("store: unable to save contact details: %w", err)
	}
	return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditUpdate, Entity: "observer_contact",
		EntityID: strconv.FormatInt(observerID, 10), After: `{"contact":"sealed"}`})
}

// contactAAD binds a sealed record to its observer, so sealed data copied onto
// another observer's row does not open.
func contactAAD(observerID int64) []byte {
	return []byte("observer:" + strconv.FormatInt(observerID, 10))
}

// ObserverContact opens an observer's personal data. Callers must audit-log the read
// (report.AuditContactsRead) in the action that shows or exports it.
func (s *Store) ObserverContact(ctx context.Context, observerID int64) (report.ObserverContact, error) {
	var c report.ObserverContact
	var sealed []byte
	err := s.readRow(ctx, "SELECT sealed FROM observer_contacts WHERE observer_id = ?", observerID).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return c, report.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("store: unable to read contact details: %w", err)
	}
	plain, err := s.sealer.open(sealed, contactAAD(observerID))
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(plain, &c)
}

// ObserverByCode finds a pseudonymous observer.
func (s *Store) ObserverByCode(ctx context.Context, code string) (report.Observer, error) {
	var o report.Observer
	err := s.readRow(ctx, "SELECT id, code, region_code FROM observers WHERE code = ?", code).Scan(&o.ID, &o.Code, &o.RegionCode)
	if errors.Is(err, sql.ErrNoRows) {
		return o, report.ErrNotFound
	}
	return o, err
}

// noPhone marks a contact without a usable number, so it is not looked at again.
const noPhone = "-"

// phoneKey is the keyed hash an SMS sender is matched by, noPhone without a number.
func (s *Store) phoneKey(phone string) string {
	e164, ok := intake.NormalizePhone(phone)
	if !ok {
		return noPhone
	}
	return s.sealer.keyed(e164)
}

// fillPhoneKeys gives the contacts saved before senders were matched by number
// their keyed hash (once: each then holds a key or noPhone).
func (s *Store) fillPhoneKeys(ctx context.Context) error {
	rows, err := s.ro.QueryContext(ctx, "SELECT observer_id, sealed FROM observer_contacts WHERE phone_key = ''")
	if err != nil {
		return fmt.Errorf("store: unable to read contacts: %w", err)
	}
	keys := map[int64]string{}
	for rows.Next() {
		var id int64
		var sealed []byte
		if err := rows.Scan(&id, &sealed); err != nil {
			rows.Close()
			return fmt.Errorf("store: unable to read contacts: %w", err)
		}
		var c report.ObserverContact
		if plain, err := s.sealer.open(sealed, contactAAD(id)); err == nil && json.Unmarshal(plain, &c) == nil {
			keys[id] = s.phoneKey(c.Phone)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(keys) == 0 {
		return err
	}
	return s.Write(ctx, func(tx *Tx) error {
		for id, k := range keys {
			if _, err := tx.exec("UPDATE observer_contacts SET phone_key = ? WHERE observer_id = ? AND phone_key = ''", k, id); err != nil {
				return fmt.Errorf("store: unable to save a phone key: %w", err)
			}
		}
		return nil
	})
}
