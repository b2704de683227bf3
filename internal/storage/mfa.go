package storage

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// ErrWrongCode refuses a two-factor code that does not match, or was used already.
var ErrWrongCode = errors.New("the code is wrong or was used already")

// sealedPrefix marks a TOTP secret sealed with the personal-data key; a secret
// without it was stored in clear by an older version and is sealed at the next Open.
const sealedPrefix = "sealed:"

func totpAAD(userID int64) []byte { return []byte("totp:" + strconv.FormatInt(userID, 10)) }

func (s *Store) sealTOTP(userID int64, secret string) (string, error) {
	sealed, err := s.sealer.seal([]byte(secret), totpAAD(userID))
	if err != nil {
		return "", err
	}
	return sealedPrefix + base64.StdEncoding.EncodeToString(sealed), nil
}

func (s *Store) openTOTP(userID int64, stored string) (string, error) {
	b64, sealed := strings.CutPrefix(stored, sealedPrefix)
	if !sealed {
		return stored, nil
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", fmt.Errorf("store: the two-factor secret of user %d is damaged", userID)
	}
	plain, err := s.sealer.open(raw, totpAAD(userID))
	if err != nil {
		return "", fmt.Errorf("store: the two-factor secret of user %d: %w", userID, err)
	}
	return string(plain), nil
}

// SetTOTPSecret turns on two-factor sign-in for a user, the secret sealed with the
// personal-data key (a leaked database alone lets no one make codes). The secret
// itself never enters the audit log. EnableTOTP is what a person enrolling uses.
func (s *Store) SetTOTPSecret(ctx context.Context, userID int64, secret string, actor report.User) error {
	return s.Write(ctx, func(tx *Tx) error { return s.setTOTP(tx, userID, secret, 0, actor) })
}

func (s *Store) setTOTP(tx *Tx, userID int64, secret string, step int64, actor report.User) error {
	sealed, err := s.sealTOTP(userID, secret)
	if err != nil {
		return err
	}
	if _, err := tx.exec("UPDATE users SET totp_secret = ?, totp_last_step = ? WHERE id = ?", sealed, step, userID); err != nil {
		return fmt.Errorf("store: unable to save the two-factor secret: %w", err)
	}
	return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditPermission,
		Entity: "user", EntityID: strconv.FormatInt(userID, 10), After: `{"totp":"enabled"}`})
}

// EnableTOTP turns on two-factor sign-in once code matches the new secret; the
// code's step counts as used. ErrWrongCode when it does not match.
func (s *Store) EnableTOTP(ctx context.Context, userID int64, secret, code string, actor report.User) error {
	return s.Write(ctx, func(tx *Tx) error {
		step, ok := report.MatchTOTP(secret, code, tx.Now(), 0)
		if !ok {
			return ErrWrongCode
		}
		return s.setTOTP(tx, userID, secret, step, actor)
	})
}

// CheckTOTP checks a sign-in's second factor. A code is accepted once: its time
// step and every earlier one are refused afterwards, so a code seen over a
// shoulder, or the previous window's, cannot open a second session. ErrWrongCode
// when it does not match or was used.
func (s *Store) CheckTOTP(ctx context.Context, userID int64, code string) error {
	return s.Write(ctx, func(tx *Tx) error {
		var stored string
		var last int64
		err := tx.queryRow("SELECT totp_secret, totp_last_step FROM users WHERE id = ?", userID).Scan(&stored, &last)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrWrongCode
		}
		if err != nil {
			return fmt.Errorf("store: unable to read the two-factor secret: %w", err)
		}
		secret, err := s.openTOTP(userID, stored)
		if err != nil {
			return err
		}
		step, ok := report.MatchTOTP(secret, code, tx.Now(), last)
		if !ok {
			return ErrWrongCode
		}
		if _, err := tx.exec("UPDATE users SET totp_last_step = ? WHERE id = ?", step, userID); err != nil {
			return fmt.Errorf("store: unable to record the two-factor step: %w", err)
		}
		return nil
	})
}

// sealClearTOTP seals the TOTP secrets an older version stored in clear.
func (s *Store) sealClearTOTP(ctx context.Context) error {
	rows, err := s.ro.QueryContext(ctx, "SELECT id FROM users WHERE totp_secret != '' AND totp_secret NOT LIKE 'sealed:%'")
	if err != nil {
		return fmt.Errorf("store: unable to look for two-factor secrets in clear: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return err
	}
	return s.Write(ctx, func(tx *Tx) error {
		for _, id := range ids {
			var secret string
			if err := tx.queryRow("SELECT totp_secret FROM users WHERE id = ?", id).Scan(&secret); err != nil {
				return fmt.Errorf("store: unable to read a two-factor secret: %w", err)
			}
			if secret == "" || strings.HasPrefix(secret, sealedPrefix) {
				continue
			}
			sealed, err := s.sealTOTP(id, secret)
			if err != nil {
				return err
			}
			if _, err := tx.exec("UPDATE users SET totp_secret = ? WHERE id = ?", sealed, id); err != nil {
				return fmt.Errorf("store: unable to seal a two-factor secret: %w", err)
			}
			if err := tx.Audit(report.AuditEntry{Actor: "system", Action: report.AuditPermission, Entity: "user",
				EntityID: strconv.FormatInt(id, 10), After: `{"totp":"sealed"}`}); err != nil {
				return err
			}
		}
		return nil
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
