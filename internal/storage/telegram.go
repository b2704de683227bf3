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

// TelegramLinkTTL is how long a one-time link token lives (intake.md: 24 h).
const TelegramLinkTTL = 24 * time.Hour

// ErrLinkToken is returned for a link token that is unknown, used or expired.
var ErrLinkToken = errors.New("store: the Telegram link is unknown, used or expired")

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// CreateTelegramLinkToken makes a one-time token tying a Telegram user to u's
// account. Only its hash is stored; the token itself is shown once. lang, the
// language of the page that asked, becomes the account's language for the bot.
func (s *Store) CreateTelegramLinkToken(ctx context.Context, u report.User, lang string) (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	// URL-safe without padding: Telegram's start parameter allows A-Z a-z 0-9 _ - (≤ 64).
	token := base64.RawURLEncoding.EncodeToString(b)
	err := s.Write(ctx, func(tx *Tx) error {
		now := tx.Now()
		_, err := tx.exec("INSERT INTO telegram_link_tokens(token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
			tokenHash(token), u.ID, fmtTime(now), fmtTime(now.Add(TelegramLinkTTL)))
		if err != nil {
			return fmt.Errorf("store: unable to save a Telegram link: %w", err)
		}
		return setLang(tx, u.ID, lang)
	})
	return token, err
}

// LinkTelegram spends a link token: the Telegram user (and their private chat) now
// speak for the token's account, in place of any earlier tie of either.
func (s *Store) LinkTelegram(ctx context.Context, token string, tgUserID, chatID int64) (report.User, error) {
	var u report.User
	err := s.Write(ctx, func(tx *Tx) error {
		now := tx.Now()
		var userID int64
		var used sql.NullString
		err := tx.queryRow(`SELECT user_id, used_at FROM telegram_link_tokens WHERE token_hash = ? AND expires_at > ?`,
			tokenHash(token), fmtTime(now)).Scan(&userID, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrLinkToken
		}
		if err != nil {
			return fmt.Errorf("store: unable to read a Telegram link: %w", err)
		}
		if u, err = scanUser(tx.queryRow("SELECT "+userColumns+" FROM users WHERE id = ?", userID)); err != nil {
			return fmt.Errorf("store: unable to read the account of a Telegram link: %w", err)
		}
		if u.DisabledAt != nil {
			return ErrLinkToken
		}
		if used.Valid {
			// Spent: by this same Telegram user it is the same /start again (Telegram
			// re-sends an update whose answer failed), which finds the link made.
			var n int
			if err := tx.queryRow("SELECT COUNT(*) FROM telegram_links WHERE user_id = ? AND tg_user_id = ?", userID, tgUserID).Scan(&n); err != nil {
				return fmt.Errorf("store: unable to read a Telegram link: %w", err)
			}
			if n == 0 {
				return ErrLinkToken
			}
			return nil
		}
		if _, err := tx.exec("UPDATE telegram_link_tokens SET used_at = ? WHERE token_hash = ?", fmtTime(now), tokenHash(token)); err != nil {
			return fmt.Errorf("store: unable to spend a Telegram link: %w", err)
		}
		if _, err := tx.exec("DELETE FROM telegram_links WHERE tg_user_id = ? OR user_id = ?", tgUserID, userID); err != nil {
			return fmt.Errorf("store: unable to replace a Telegram link: %w", err)
		}
		if _, err := tx.exec("INSERT INTO telegram_links(user_id, tg_user_id, chat_id, linked_at) VALUES (?, ?, ?, ?)",
			userID, tgUserID, chatID, fmtTime(now)); err != nil {
			return fmt.Errorf("store: unable to link Telegram: %w", err)
		}
		// The Telegram user id is not written to the log: it is a personal identifier.
		return tx.Audit(report.AuditEntry{ActorID: u.ID, Actor: u.Login, Action: report.AuditPermission,
			Entity: "user", EntityID: strconv.FormatInt(u.ID, 10), After: `{"telegram":"linked"}`})
	})
	return u, err
}

// TelegramAccount finds the account tied to a Telegram user (report.ErrNotFound if
// none, or if it is disabled).
func (s *Store) TelegramAccount(ctx context.Context, tgUserID int64) (report.User, error) {
	u, err := scanUser(s.ro.QueryRowContext(ctx, "SELECT "+userColumnsU+
		" FROM telegram_links tl JOIN users u ON u.id = tl.user_id WHERE tl.tg_user_id = ?", tgUserID))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && u.DisabledAt != nil) {
		return report.User{}, report.ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("store: unable to read a Telegram link: %w", err)
	}
	return u, nil
}

// TelegramLinked reports whether the account has a linked Telegram chat.
func (s *Store) TelegramLinked(ctx context.Context, userID int64) (bool, error) {
	var n int
	if err := s.ro.QueryRowContext(ctx, "SELECT COUNT(*) FROM telegram_links WHERE user_id = ?", userID).Scan(&n); err != nil {
		return false, fmt.Errorf("store: unable to read a Telegram link: %w", err)
	}
	return n > 0, nil
}

// TelegramUpdateSeen reports whether an update_id was already handled.
func (s *Store) TelegramUpdateSeen(ctx context.Context, updateID int64) (bool, error) {
	var n int
	if err := s.ro.QueryRowContext(ctx, "SELECT COUNT(*) FROM telegram_updates WHERE update_id = ?", updateID).Scan(&n); err != nil {
		return false, fmt.Errorf("store: unable to read Telegram updates: %w", err)
	}
	return n > 0, nil
}

// MarkTelegramUpdate records an update_id as handled (again is harmless).
func (s *Store) MarkTelegramUpdate(ctx context.Context, updateID int64) error {
	return s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.exec("INSERT INTO telegram_updates(update_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
			updateID, fmtTime(tx.Now())); err != nil {
			return fmt.Errorf("store: unable to record a Telegram update: %w", err)
		}
		return nil
	})
}

// TelegramFlow is where a Telegram user is in the guided /report flow.
type TelegramFlow struct {
	TgUserID    int64
	UserID      int64
	ElectionID  int64
	Step        string
	StationID   int64
	Category    string
	Witnessed   bool
	Description string
	IncidentID  int64
}

// TelegramFlowOf reads a user's flow; found is false when there is none.
func (s *Store) TelegramFlowOf(ctx context.Context, tgUserID int64) (f TelegramFlow, found bool, err error) {
	var station, incident sql.NullInt64
	var witnessed int
	err = s.ro.QueryRowContext(ctx, `SELECT tg_user_id, user_id, election_id, step, station_id, category, witnessed, description, incident_id
		FROM telegram_flows WHERE tg_user_id = ?`, tgUserID).Scan(&f.TgUserID, &f.UserID, &f.ElectionID, &f.Step, &station,
		&f.Category, &witnessed, &f.Description, &incident)
	if errors.Is(err, sql.ErrNoRows) {
		return f, false, nil
	}
	if err != nil {
		return f, false, fmt.Errorf("store: unable to read a Telegram flow: %w", err)
	}
	f.StationID, f.IncidentID, f.Witnessed = station.Int64, incident.Int64, witnessed != 0
	return f, true, nil
}

// SaveTelegramFlow writes a user's flow as it now stands.
func (s *Store) SaveTelegramFlow(ctx context.Context, f TelegramFlow) error {
	return s.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec(`INSERT INTO telegram_flows(tg_user_id, user_id, election_id, step, station_id, category, witnessed, description, incident_id, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(tg_user_id) DO UPDATE SET user_id = excluded.user_id,
			election_id = excluded.election_id, step = excluded.step, station_id = excluded.station_id, category = excluded.category,
			witnessed = excluded.witnessed, description = excluded.description, incident_id = excluded.incident_id, updated_at = excluded.updated_at`,
			f.TgUserID, f.UserID, f.ElectionID, f.Step, nullID(f.StationID), f.Category, f.Witnessed, f.Description, nullID(f.IncidentID), fmtTime(tx.Now()))
		if err != nil {
			return fmt.Errorf("store: unable to save a Telegram flow: %w", err)
		}
		return nil
	})
}

// userColumnsU is userColumns for a query that names the users table u.
const userColumnsU = `u.id, u.login, u.role, u.region_code, COALESCE(u.observer_id, 0), u.totp_secret, u.created_at, u.disabled_at`

// setLang keeps the language a user last chose for messages sent to them outside a
// page (the bot's answers, alerts).
func setLang(tx *Tx, userID int64, lang string) error {
	if lang == "" {
		return nil
	}
	if _, err := tx.exec("UPDATE users SET lang = ? WHERE id = ?", lang, userID); err != nil {
		return fmt.Errorf("store: unable to save a language: %w", err)
	}
	return nil
}

// UserLang is the language a user's messages are answered in: the one they last
// chose, else (an observer) the observers CSV's, else Russian (intake.md).
func (s *Store) UserLang(ctx context.Context, userID int64) (string, error) {
	var l string
	if err := s.ro.QueryRowContext(ctx, `SELECT COALESCE(NULLIF(u.lang, ''), o.language, 'ru') FROM users u
		LEFT JOIN observers o ON o.id = u.observer_id WHERE u.id = ?`, userID).Scan(&l); err != nil {
		return "", fmt.Errorf("store: unable to read a language: %w", err)
	}
	return l, nil
}
