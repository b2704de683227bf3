package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// NewToken returns a random URL-safe secret and its SHA-256 (what is stored).
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is how secrets (session cookies, API tokens, invite links) are stored.
func HashToken(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

const userColumns = `id, login, role, region_code, COALESCE(observer_id, 0), totp_secret, created_at, disabled_at`

func scanUser(sc scanner) (report.User, error) {
	var u report.User
	var created string
	var disabled sql.NullString
	err := sc.Scan(&u.ID, &u.Login, &u.Role, &u.RegionCode, &u.ObserverID, &u.TOTPSecret, &created, &disabled)
	u.CreatedAt = parseTime(created)
	u.DisabledAt = parseTimePtr(disabled)
	return u, err
}

// NewUser is what creating an account needs.
type NewUser struct {
	Login      string
	Password   string
	Role       report.Role
	RegionCode string
	ObserverID int64
}

// CreateUser makes an account (in the caller's transaction), audit-logged as done by actor.
func CreateUser(tx *Tx, nu NewUser, actor report.User) (int64, error) {
	if err := report.ValidateLogin(nu.Login); err != nil {
		return 0, err
	}
	if !report.ValidRole(nu.Role) {
		return 0, fmt.Errorf("unknown role %q", nu.Role)
	}
	if nu.Role == report.RoleObserver && nu.ObserverID == 0 {
		return 0, errors.New("an observer account needs an observer code")
	}
	hash, err := report.HashPassword(nu.Password)
	if err != nil {
		return 0, err
	}
	var exists int
	if err := tx.queryRow("SELECT COUNT(*) FROM users WHERE login = ?", nu.Login).Scan(&exists); err != nil {
		return 0, fmt.Errorf("store: unable to check the login: %w", err)
	}
	if exists > 0 {
		return 0, fmt.Errorf("the login %q is taken", nu.Login)
	}
	var obs any
	if nu.ObserverID != 0 {
		obs = nu.ObserverID
	}
	res, err := tx.exec(`INSERT INTO users(login, role, region_code, observer_id, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		nu.Login, string(nu.Role), nu.RegionCode, obs, hash, fmtTime(tx.Now()))
	if err != nil {
		return 0, fmt.Errorf("store: unable to create user %s: %w", nu.Login, err)
	}
	id, _ := res.LastInsertId()
	after := fmt.Sprintf(`{"login":%q,"role":%q,"region_code":%q,"observer_id":%d}`, nu.Login, nu.Role, nu.RegionCode, nu.ObserverID)
	return id, tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditPermission,
		Entity: "user", EntityID: strconv.FormatInt(id, 10), After: after})
}

func actorName(u report.User) string {
	if u.Login == "" {
		return "system"
	}
	return u.Login
}

// User returns one account.
func (s *Store) User(ctx context.Context, id int64) (report.User, error) {
	u, err := scanUser(s.readRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, report.ErrNotFound
	}
	return u, err
}

// Users lists every account, by login.
func (s *Store) Users(ctx context.Context) ([]report.User, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT "+userColumns+" FROM users ORDER BY login")
	if err != nil {
		return nil, fmt.Errorf("store: unable to list users: %w", err)
	}
	defer rows.Close()
	var out []report.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read a user: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Authenticate checks a login and password. It returns report.ErrNotFound for a wrong
// login or password alike, taking the same time for both.
func (s *Store) Authenticate(ctx context.Context, login, password string) (report.User, error) {
	var hash string
	row := s.readRow(ctx, "SELECT "+userColumns+", password_hash FROM users WHERE login = ?", login)
	var u report.User
	var created string
	var disabled sql.NullString
	err := row.Scan(&u.ID, &u.Login, &u.Role, &u.RegionCode, &u.ObserverID, &u.TOTPSecret, &created, &disabled, &hash)
	if errors.Is(err, sql.ErrNoRows) || hash == "" {
		report.DummyCheck(password)
		return report.User{}, report.ErrNotFound
	}
	if err != nil {
		return report.User{}, fmt.Errorf("store: unable to read user: %w", err)
	}
	ok, err := report.CheckPassword(hash, password)
	if err != nil {
		return report.User{}, fmt.Errorf("store: user %d: %w", u.ID, err)
	}
	if !ok || disabled.Valid {
		return report.User{}, report.ErrNotFound
	}
	u.CreatedAt = parseTime(created)
	return u, nil
}

// HasAdmin reports whether any admin account exists.
func (s *Store) HasAdmin(ctx context.Context) (bool, error) {
	var n int
	err := s.readRow(ctx, "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL").Scan(&n)
	return n > 0, err
}

// Session is a logged-in browser.
type Session struct {
	ID        string // hash of the cookie value
	User      report.User
	CSRF      string
	MFAOK     bool
	ExpiresAt time.Time
}

// SessionTTL is how long an idle session lives.
const SessionTTL = 24 * time.Hour

// CreateSession starts a session for u and returns the cookie value.
func (s *Store) CreateSession(ctx context.Context, u report.User, mfaOK bool) (cookie string, err error) {
	cookie, hash := NewToken()
	csrf, _ := NewToken()
	err = s.Write(ctx, func(tx *Tx) error {
		now := tx.Now()
		if _, err := tx.exec(`INSERT INTO sessions(id, user_id, csrf, created_at, expires_at, last_seen, mfa_ok) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			hash, u.ID, csrf, fmtTime(now), fmtTime(now.Add(SessionTTL)), fmtTime(now), boolInt(mfaOK)); err != nil {
			return fmt.Errorf("store: unable to create a session: %w", err)
		}
		return tx.Audit(report.AuditEntry{ActorID: u.ID, Actor: u.Login, Action: report.AuditLogin, Entity: "user", EntityID: strconv.FormatInt(u.ID, 10)})
	})
	return cookie, err
}

// SessionByCookie finds a live session; report.ErrNotFound when expired, revoked or unknown.
func (s *Store) SessionByCookie(ctx context.Context, cookie string) (Session, error) {
	id := HashToken(cookie)
	v, err := s.accessVersion(ctx)
	if err != nil {
		return Session{}, err
	}
	sess, ok := s.access.session(id)
	if !ok {
		if sess, err = s.readSession(ctx, id); err != nil {
			return sess, err
		}
		s.access.keepSession(v, sess)
	}
	if !s.now().Before(sess.ExpiresAt) {
		return sess, report.ErrNotFound
	}
	return sess, nil
}

// readSession reads a live session of an enabled account.
func (s *Store) readSession(ctx context.Context, id string) (Session, error) {
	var sess Session
	var expires string
	var uid int64
	var mfa int
	err := s.readRow(ctx, `SELECT id, user_id, csrf, expires_at, mfa_ok FROM sessions
		WHERE id = ? AND revoked_at IS NULL`, id).Scan(&sess.ID, &uid, &sess.CSRF, &expires, &mfa)
	if errors.Is(err, sql.ErrNoRows) {
		return sess, report.ErrNotFound
	}
	if err != nil {
		return sess, fmt.Errorf("store: unable to read a session: %w", err)
	}
	sess.ExpiresAt = parseTime(expires)
	sess.User, err = s.User(ctx, uid)
	if err != nil {
		return sess, err
	}
	if sess.User.DisabledAt != nil {
		return sess, report.ErrNotFound
	}
	sess.MFAOK = mfa != 0
	return sess, nil
}

// RevokeSession ends a session (logout, or an admin revoking it).
func (s *Store) RevokeSession(ctx context.Context, id string, actor report.User) error {
	return s.Write(ctx, func(tx *Tx) error {
		res, err := tx.exec("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", fmtTime(tx.Now()), id)
		if err != nil {
			return fmt.Errorf("store: unable to end a session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return report.ErrNotFound // no such session, or ended already
		}
		// The log keeps the id's start: enough to tell sessions apart, not to use one.
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditLogout, Entity: "session", EntityID: id[:min(len(id), 12)]})
	})
}

// TypedNameHash is what the audit log keeps of a name typed at sign-in that failed:
// a hash keyed with the personal-data key, so that the log says which attempts were
// at the same name (and an administrator who knows a name can find its attempts)
// without keeping what people typed, often a password in the wrong box.
func (s *Store) TypedNameHash(name string) string { return s.sealer.nameHash(name) }

// UserByLogin finds an account by login.
func (s *Store) UserByLogin(ctx context.Context, login string) (report.User, error) {
	u, err := scanUser(s.readRow(ctx, "SELECT "+userColumns+" FROM users WHERE login = ?", login))
	if errors.Is(err, sql.ErrNoRows) {
		return u, report.ErrNotFound
	}
	return u, err
}
