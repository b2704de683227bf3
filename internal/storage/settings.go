package storage

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/observerkz/observer/internal/report"
)

// Settings the administrator configures from the command line (the Telegram bot, the
// SMTP server for alerts). Keys ending in ".secret" are sealed with the personal-data
// key: a leaked database file leaks no bot token and no mail password.
const (
	SettingTelegramToken    = "telegram.token.secret"
	SettingTelegramSecret   = "telegram.webhook.secret"
	SettingTelegramUsername = "telegram.username"
	SettingTelegramAPI      = "telegram.api_url"
	SettingMailHost         = "mail.host"
	SettingMailPort         = "mail.port"
	SettingMailUser         = "mail.user"
	SettingMailFrom         = "mail.from"
	SettingMailPassword     = "mail.password.secret"
	SettingMailTLS          = "mail.tls"
)

func sealedSetting(key string) bool { return strings.HasSuffix(key, ".secret") }

// SaveSettings writes the given settings in one transaction and audit-logs which keys
// changed (never their values).
func (s *Store) SaveSettings(ctx context.Context, values map[string]string, actor report.User) error {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	after, _ := json.Marshal(map[string][]string{"keys": keys})
	return s.Write(ctx, func(tx *Tx) error {
		for _, k := range keys {
			v := values[k]
			if sealedSetting(k) {
				sealed, err := s.sealer.seal([]byte(v), []byte("setting:"+k))
				if err != nil {
					return err
				}
				v = base64.StdEncoding.EncodeToString(sealed)
			}
			if _, err := tx.exec("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", k, v); err != nil {
				return fmt.Errorf("store: unable to save the setting %s: %w", k, err)
			}
		}
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditUpdate,
			Entity: "settings", EntityID: strings.Join(keys, ","), After: string(after)})
	})
}

// Setting reads one setting; ok is false when it was never set.
func (s *Store) Setting(ctx context.Context, key string) (value string, ok bool, err error) {
	err = s.ro.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: unable to read the setting %s: %w", key, err)
	}
	if sealedSetting(key) {
		raw, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			return "", false, fmt.Errorf("store: the setting %s is damaged", key)
		}
		plain, err := s.sealer.open(raw, []byte("setting:"+key))
		if err != nil {
			return "", false, fmt.Errorf("store: the setting %s: %w", key, err)
		}
		value = string(plain)
	}
	return value, true, nil
}

// settingOf reads a plain setting on db while the store opens ("" when unset).
func settingOf(ctx context.Context, db *sql.DB, key string) (string, bool, error) {
	var v string
	err := db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: unable to read the setting %s: %w", key, err)
	}
	return v, true, nil
}
