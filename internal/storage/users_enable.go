package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/observerkz/observer/internal/report"
)

// EnableUser lets a disabled account sign in again. Only that: the sessions and API
// tokens disabling revoked stay revoked (a stolen cookie or token must not come
// back with the account), so the user signs in afresh and is given new tokens. It
// reports whether the account was disabled; an account already active is left as
// it is, with nothing logged.
func (s *Store) EnableUser(ctx context.Context, id int64, actor report.User) (bool, error) {
	var changed bool
	err := s.Write(ctx, func(tx *Tx) error {
		var disabled sql.NullString
		err := tx.queryRow("SELECT disabled_at FROM users WHERE id = ?", id).Scan(&disabled)
		if errors.Is(err, sql.ErrNoRows) {
			return report.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: unable to read user %d: %w", id, err)
		}
		if !disabled.Valid {
			return nil
		}
		if _, err := tx.exec("UPDATE users SET disabled_at = NULL WHERE id = ?", id); err != nil {
			return fmt.Errorf("store: unable to enable user %d: %w", id, err)
		}
		changed = true
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditPermission,
			Entity: "user", EntityID: strconv.FormatInt(id, 10),
			Before: fmt.Sprintf(`{"disabled":true,"disabled_at":%q}`, disabled.String), After: `{"disabled":false}`})
	})
	return changed, err
}
