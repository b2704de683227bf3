package storage

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/observerkz/observer/internal/report"
)

const auditLogColumns = `id, at, actor_id, actor, action, entity, entity_id, election_id, before, after, prev_hash, hash`

func scanAuditLogEntry(sc scanner) (report.AuditEntry, error) {
	var e report.AuditEntry
	var at string
	err := sc.Scan(&e.ID, &at, &e.ActorID, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &e.ElectionID,
		&e.Before, &e.After, &e.PrevHash, &e.Hash)
	e.At = parseTime(at)
	return e, err
}

// AuditLog returns up to limit audit entries, newest first, older than beforeID
// when it is not 0 (keyset paging).
func (s *Store) AuditLog(ctx context.Context, beforeID int64, limit int) ([]report.AuditEntry, error) {
	q := "SELECT " + auditLogColumns + " FROM audit_log"
	var args []any
	if beforeID > 0 {
		q += " WHERE id < ?"
		args = append(args, beforeID)
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.ro.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the audit log: %w", err)
	}
	defer rows.Close()
	var out []report.AuditEntry
	for rows.Next() {
		e, err := scanAuditLogEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read an audit entry: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to read the audit log: %w", err)
	}
	return out, nil
}

// VerifyAuditChain re-hashes the whole audit log in id order and checks every link,
// streaming (constant memory at any length). It returns how many entries were found
// intact; at the first broken link it stops with a *report.ChainError naming that
// entry and why.
func (s *Store) VerifyAuditChain(ctx context.Context) (checked int, err error) {
	return verifyAuditChain(ctx, s.ro)
}

func verifyAuditChain(ctx context.Context, db *sql.DB) (checked int, err error) {
	// One statement reads one snapshot: entries appended meanwhile are not half-seen.
	rows, err := db.QueryContext(ctx, "SELECT "+auditLogColumns+" FROM audit_log ORDER BY id")
	if err != nil {
		return 0, fmt.Errorf("store: unable to read the audit log: %w", err)
	}
	defer rows.Close()
	var v report.ChainVerifier
	for rows.Next() {
		e, err := scanAuditLogEntry(rows)
		if err != nil {
			return v.Count(), fmt.Errorf("store: unable to read an audit entry: %w", err)
		}
		if err := v.Next(e); err != nil {
			return v.Count(), err
		}
	}
	if err := rows.Err(); err != nil {
		return v.Count(), fmt.Errorf("store: unable to read the audit log: %w", err)
	}
	return v.Count(), nil
}
