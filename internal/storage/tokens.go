package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// TokenTTL is how long an API token lives unless told otherwise.
const TokenTTL = 90 * 24 * time.Hour

// tokenUseEvery is how stale a token's "last used" may get: recording every call
// would make each API call a write.
const tokenUseEvery = time.Hour

// TokenInfo describes an API token (never the token itself).
type TokenInfo struct {
	ID        int64
	UserID    int64
	Login     string
	Name      string
	CreatedAt time.Time
	ExpiresAt *time.Time
	LastUsed  *time.Time
	RevokedAt *time.Time
}

// Live reports whether the token still opens the API at now.
func (t TokenInfo) Live(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// CreateAPIToken makes a Bearer token with no name and the default lifetime.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, actor report.User) (string, error) {
	token, _, err := s.CreateNamedAPIToken(ctx, userID, "", TokenTTL, actor)
	return token, err
}

// CreateNamedAPIToken makes a Bearer token for a user, valid for ttl; the token is
// shown once and stored hashed. It returns the token and its id.
func (s *Store) CreateNamedAPIToken(ctx context.Context, userID int64, name string, ttl time.Duration, actor report.User) (string, int64, error) {
	name, err := report.ValidateToken(name, ttl)
	if err != nil {
		return "", 0, err
	}
	token, hash := NewToken()
	var id int64
	err = s.Write(ctx, func(tx *Tx) error {
		now := tx.Now()
		res, err := tx.exec("INSERT INTO api_tokens(user_id, token_hash, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
			userID, hash, name, fmtTime(now), fmtTime(now.Add(ttl)))
		if err != nil {
			return fmt.Errorf("store: unable to create a token: %w", err)
		}
		id, _ = res.LastInsertId()
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditPermission,
			Entity: "api_token", EntityID: strconv.FormatInt(id, 10),
			After: fmt.Sprintf(`{"user_id":%d,"name":%q,"expires_at":%q}`, userID, name, fmtTime(now.Add(ttl)))})
	})
	return token, id, err
}

// UserByAPIToken finds the account of a live Bearer token. A token revoked,
// expired or of an account disabled by any process is refused from its next
// request (accessMemo says how the look-up is kept). When the token was last used
// is noted, at most once an hour (a write per call would make every read a write).
func (s *Store) UserByAPIToken(ctx context.Context, token string) (report.User, error) {
	hash := HashToken(token)
	v, err := s.accessVersion(ctx)
	if err != nil {
		return report.User{}, err
	}
	t, ok := s.access.token(hash)
	if !ok {
		if t, err = s.readTokenAccess(ctx, hash); err != nil {
			return report.User{}, err
		}
		s.access.keepToken(v, hash, t)
	}
	now := s.now()
	if !t.expires.IsZero() && !now.Before(t.expires) {
		return report.User{}, report.ErrNotFound
	}
	if t.used.IsZero() || now.Sub(t.used) >= tokenUseEvery {
		if err := s.Write(ctx, func(tx *Tx) error {
			_, err := tx.exec(`INSERT INTO api_token_use(token_id, last_used_at) VALUES (?, ?)
				ON CONFLICT(token_id) DO UPDATE SET last_used_at = excluded.last_used_at`, t.id, fmtTime(now))
			return err
		}); err != nil {
			return report.User{}, fmt.Errorf("store: unable to note a token's use: %w", err)
		}
		t.used = now
		s.access.keepToken(v, hash, t)
	}
	return t.user, nil
}

// tokenAccess is what a live token gives: its account, expiry and last use (zero: none).
type tokenAccess struct {
	id            int64
	user          report.User
	expires, used time.Time
}

// readTokenAccess reads a live token of an enabled account, in one statement.
func (s *Store) readTokenAccess(ctx context.Context, hash string) (tokenAccess, error) {
	var t tokenAccess
	var expires, used, disabled sql.NullString
	var created string
	u := &t.user
	err := s.readRow(ctx, `SELECT t.id, t.expires_at, tu.last_used_at, us.id, us.login, us.role, us.region_code,
		COALESCE(us.observer_id, 0), us.totp_secret, us.created_at, us.disabled_at FROM api_tokens t JOIN users us ON us.id = t.user_id LEFT JOIN api_token_use tu ON tu.token_id = t.id
		WHERE t.token_hash = ? AND t.revoked_at IS NULL`, hash).Scan(&t.id, &expires, &used,
		&u.ID, &u.Login, &u.Role, &u.RegionCode, &u.ObserverID, &u.TOTPSecret, &created, &disabled)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && disabled.Valid) {
		return t, report.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("store: unable to check a token: %w", err)
	}
	u.CreatedAt = parseTime(created)
	if expires.Valid {
		t.expires = parseTime(expires.String)
	}
	if used.Valid {
		t.used = parseTime(used.String)
	}
	return t, nil
}

// APITokens lists tokens, newest first: one account's (userID), or everyone's (0).
func (s *Store) APITokens(ctx context.Context, userID int64) ([]TokenInfo, error) {
	rows, err := s.ro.QueryContext(ctx, `SELECT t.id, t.user_id, us.login, t.name, t.created_at, t.expires_at, u.last_used_at, t.revoked_at
		FROM api_tokens t JOIN users us ON us.id = t.user_id LEFT JOIN api_token_use u ON u.token_id = t.id
		WHERE ? = 0 OR t.user_id = ? ORDER BY t.id DESC`, userID, userID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list tokens: %w", err)
	}
	defer rows.Close()
	var out []TokenInfo
	for rows.Next() {
		var t TokenInfo
		var created string
		var expires, used, revoked sql.NullString
		if err := rows.Scan(&t.ID, &t.UserID, &t.Login, &t.Name, &created, &expires, &used, &revoked); err != nil {
			return nil, fmt.Errorf("store: unable to read a token: %w", err)
		}
		t.CreatedAt = parseTime(created)
		t.ExpiresAt, t.LastUsed, t.RevokedAt = parseTimePtr(expires), parseTimePtr(used), parseTimePtr(revoked)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken ends one token. With owner != 0 only that account's token is
// revoked (report.ErrNotFound for anyone else's, as for an unknown id); a token
// revoked already is report.ErrNotFound too.
func (s *Store) RevokeAPIToken(ctx context.Context, id, owner int64, actor report.User) error {
	return s.Write(ctx, func(tx *Tx) error {
		res, err := tx.exec("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL AND (? = 0 OR user_id = ?)",
			fmtTime(tx.Now()), id, owner, owner)
		if err != nil {
			return fmt.Errorf("store: unable to revoke token %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return report.ErrNotFound
		}
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditPermission,
			Entity: "api_token", EntityID: strconv.FormatInt(id, 10), After: `{"revoked":true}`})
	})
}
