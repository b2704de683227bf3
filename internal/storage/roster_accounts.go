package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/observerkz/observer/internal/report"
)

// Account is a user as the admin's list shows it: login, role, region and the
// observer code, never a name.
type Account struct {
	report.User
	ObserverCode string
}

// Accounts lists every account by login.
func (s *Store) Accounts(ctx context.Context) ([]Account, error) {
	rows, err := s.ro.QueryContext(ctx, `SELECT u.id, u.login, u.role, u.region_code, COALESCE(u.observer_id, 0), u.totp_secret,
		u.created_at, u.disabled_at, COALESCE(o.code, '') FROM users u LEFT JOIN observers o ON o.id = u.observer_id ORDER BY u.login`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list accounts: %w", err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		var a Account
		var code string
		u, err := scanUser(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &code)...) }))
		if err != nil {
			return nil, fmt.Errorf("store: unable to read an account: %w", err)
		}
		a.User, a.ObserverCode = u, code
		out = append(out, a)
	}
	return out, rows.Err()
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// ErrLastAdmin refuses to disable the only administrator left.
var ErrLastAdmin = errors.New("this is the last active administrator")

// ErrDisableSelf refuses to disable one's own account (ask another admin).
var ErrDisableSelf = errors.New("you cannot disable your own account")

// DisableUser disables an account (accounts are never deleted: the audit log names
// them): its sessions and API tokens stop working at once.
func (s *Store) DisableUser(ctx context.Context, id int64, actor report.User) error {
	if id == actor.ID {
		return ErrDisableSelf
	}
	return s.Write(ctx, func(tx *Tx) error {
		var role string
		var disabled *string
		err := tx.queryRow("SELECT role, disabled_at FROM users WHERE id = ?", id).Scan(&role, &disabled)
		if errors.Is(err, sql.ErrNoRows) {
			return report.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: unable to read user %d: %w", id, err)
		}
		if disabled != nil {
			return nil
		}
		if report.Role(role) == report.RoleAdmin {
			var admins int
			if err := tx.queryRow("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL").Scan(&admins); err != nil {
				return fmt.Errorf("store: unable to count administrators: %w", err)
			}
			if admins <= 1 {
				return ErrLastAdmin
			}
		}
		now := fmtTime(tx.Now())
		if _, err := tx.exec("UPDATE users SET disabled_at = ? WHERE id = ?", now, id); err != nil {
			return fmt.Errorf("store: unable to disable user %d: %w", id, err)
		}
		if _, err := tx.exec("UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", now, id); err != nil {
			return fmt.Errorf("store: unable to end the sessions of user %d: %w", id, err)
		}
		if _, err := tx.exec("UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", now, id); err != nil {
			return fmt.Errorf("store: unable to revoke the tokens of user %d: %w", id, err)
		}
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditPermission,
			Entity: "user", EntityID: strconv.FormatInt(id, 10), Before: `{"disabled":false}`, After: `{"disabled":true}`})
	})
}
