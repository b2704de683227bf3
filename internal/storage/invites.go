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

// Invite is a one-time link that lets someone create their own account with a given
// role: the first admin's setup link, or a coordinator's invitation to an observer.
type Invite struct {
	Role       report.Role
	RegionCode string
	ObserverID int64
	CreatedBy  int64
	ExpiresAt  time.Time
}

// ErrInviteUsed is returned for a link that was used, has expired or never existed,
// or whose maker's account has been disabled.
var ErrInviteUsed = errors.New("this link has been used or has expired")

// CreateInvite makes a one-time link token valid for ttl.
func (s *Store) CreateInvite(ctx context.Context, inv Invite, ttl time.Duration, actor report.User) (string, error) {
	if !report.ValidRole(inv.Role) {
		return "", fmt.Errorf("unknown role %q", inv.Role)
	}
	if inv.Role == report.RoleObserver && inv.ObserverID == 0 {
		return "", errors.New("an observer invitation needs an observer code")
	}
	token, hash := NewToken()
	err := s.Write(ctx, func(tx *Tx) error {
		now := tx.Now()
		var obs, by any
		if inv.ObserverID != 0 {
			obs = inv.ObserverID
		}
		if actor.ID != 0 {
			by = actor.ID
		}
		if _, err := tx.exec(`INSERT INTO invites(token_hash, role, region_code, observer_id, created_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, hash, string(inv.Role), inv.RegionCode, obs, by, fmtTime(now), fmtTime(now.Add(ttl))); err != nil {
			return fmt.Errorf("store: unable to create an invitation: %w", err)
		}
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditPermission, Entity: "invite",
			EntityID: hash[:12], After: fmt.Sprintf(`{"role":%q,"region_code":%q,"observer_id":%d}`, inv.Role, inv.RegionCode, inv.ObserverID)})
	})
	return token, err
}

// InviteByToken returns a live invitation.
func (s *Store) InviteByToken(ctx context.Context, token string) (Invite, error) {
	var inv Invite
	var expires string
	var used, creatorOff sql.NullString
	err := s.readRow(ctx, `SELECT i.role, i.region_code, COALESCE(i.observer_id, 0), COALESCE(i.created_by, 0), i.expires_at, i.used_at,
		u.disabled_at FROM invites i LEFT JOIN users u ON u.id = i.created_by WHERE i.token_hash = ?`, HashToken(token)).
		Scan(&inv.Role, &inv.RegionCode, &inv.ObserverID, &inv.CreatedBy, &expires, &used, &creatorOff)
	if errors.Is(err, sql.ErrNoRows) {
		return inv, ErrInviteUsed
	}
	if err != nil {
		return inv, fmt.Errorf("store: unable to read an invitation: %w", err)
	}
	inv.ExpiresAt = parseTime(expires)
	// The link of an account disabled since stops with its sessions and tokens.
	if used.Valid || creatorOff.Valid || !s.now().Before(inv.ExpiresAt) {
		return inv, ErrInviteUsed
	}
	return inv, nil
}

// AcceptInvite creates the account an invitation allows and uses the link up, in one
// transaction: a link works exactly once even when two people race for it.
func (s *Store) AcceptInvite(ctx context.Context, token, login, password string) (report.User, error) {
	var id int64
	err := s.Write(ctx, func(tx *Tx) error {
		var inv Invite
		var expires string
		var used, creatorOff sql.NullString
		hash := HashToken(token)
		err := tx.queryRow(`SELECT i.role, i.region_code, COALESCE(i.observer_id, 0), i.expires_at, i.used_at, u.disabled_at
			FROM invites i LEFT JOIN users u ON u.id = i.created_by WHERE i.token_hash = ?`, hash).
			Scan(&inv.Role, &inv.RegionCode, &inv.ObserverID, &expires, &used, &creatorOff)
		if errors.Is(err, sql.ErrNoRows) || used.Valid || creatorOff.Valid || !tx.Now().Before(parseTime(expires)) {
			return ErrInviteUsed
		}
		if err != nil {
			return fmt.Errorf("store: unable to read an invitation: %w", err)
		}
		id, err = CreateUser(tx, NewUser{Login: login, Password: password, Role: inv.Role, RegionCode: inv.RegionCode, ObserverID: inv.ObserverID},
			report.User{Login: login})
		if err != nil {
			return err
		}
		if _, err := tx.exec("UPDATE invites SET used_at = ?, used_by = ? WHERE token_hash = ?", fmtTime(tx.Now()), id, hash); err != nil {
			return fmt.Errorf("store: unable to use up an invitation: %w", err)
		}
		return tx.Audit(report.AuditEntry{ActorID: id, Actor: login, Action: report.AuditUpdate, Entity: "invite", EntityID: hash[:12],
			After: `{"used_by":` + strconv.FormatInt(id, 10) + `}`})
	})
	if err != nil {
		return report.User{}, err
	}
	return s.User(ctx, id)
}
