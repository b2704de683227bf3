package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// SetTOTPSecret turns on two-factor sign-in for a user (the caller has checked a code
// against the secret). The secret itself never enters the audit log.
func (s *Store) SetTOTPSecret(ctx context.Context, userID int64, secret string, actor report.User) error {
	return s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.exec("UPDATE users SET totp_secret = ? WHERE id = ?", secret, userID); err != nil {
			return fmt.Errorf("store: unable to save the two-factor secret: %w", err)
		}
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditPermission,
			Entity: "user", EntityID: strconv.FormatInt(userID, 10), After: `{"totp":"enabled"}`})
	})
}

// MarkSessionMFA records that a session passed the second factor.
func (s *Store) MarkSessionMFA(ctx context.Context, sessionID string, u report.User) error {
	return s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.exec("UPDATE sessions SET mfa_ok = 1 WHERE id = ?", sessionID); err != nil {
			return fmt.Errorf("store: unable to update a session: %w", err)
		}
		return tx.Audit(report.AuditEntry{ActorID: u.ID, Actor: u.Login, Action: report.AuditLogin, Entity: "session",
			EntityID: sessionID[:12], After: `{"mfa":"ok"}`})
	})
}

// SessionInfo describes a live session for the admin's list (never the cookie).
type SessionInfo struct {
	ID        string
	UserID    int64
	Login     string
	Role      report.Role
	CreatedAt time.Time
	LastSeen  time.Time
	MFAOK     bool
}

// LiveSessions lists sessions that are neither revoked nor expired, newest first.
func (s *Store) LiveSessions(ctx context.Context) ([]SessionInfo, error) {
	rows, err := s.ro.QueryContext(ctx, `SELECT se.id, se.user_id, u.login, u.role, se.created_at, se.last_seen, se.mfa_ok
		FROM sessions se JOIN users u ON u.id = se.user_id
		WHERE se.revoked_at IS NULL AND se.expires_at > ? ORDER BY se.created_at DESC LIMIT 500`, fmtTime(s.now()))
	if err != nil {
		return nil, fmt.Errorf("store: unable to list sessions: %w", err)
	}
	defer rows.Close()
	var out []SessionInfo
	for rows.Next() {
		var si SessionInfo
		var created, seen string
		var mfa int
		if err := rows.Scan(&si.ID, &si.UserID, &si.Login, &si.Role, &created, &seen, &mfa); err != nil {
			return nil, fmt.Errorf("store: unable to read a session: %w", err)
		}
		si.CreatedAt, si.LastSeen, si.MFAOK = parseTime(created), parseTime(seen), mfa != 0
		out = append(out, si)
	}
	return out, rows.Err()
}
