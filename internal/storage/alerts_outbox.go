package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// OutboxAlert is one alert waiting in the outbox for one subscriber and channel.
type OutboxAlert struct {
	ID        int64
	UserID    int64
	Login     string
	Channel   string
	Ref       string
	Facts     report.AlertFacts
	Link      string
	CreatedAt time.Time
	Held      bool
	Attempts  int
	LastError string
	NextTry   time.Time
	// Where it goes: the linked Telegram chat, or the subscription's address.
	ChatID int64
	Email  string
	Lang   string
}

// AlertWindow is a subscriber's current 60 s window of alerts sent one by one.
type AlertWindow struct {
	Start *time.Time
	Sent  int
}

const outboxColumns = `ob.id, ob.user_id, u.login, ob.channel, ob.ref, ob.body, ob.link, ob.created_at, ob.held, ob.attempts,
	ob.last_error, ob.next_try, COALESCE(tl.chat_id, 0), COALESCE(a.email, ''), u.lang`

const outboxJoins = `FROM alert_outbox ob JOIN users u ON u.id = ob.user_id
	LEFT JOIN telegram_links tl ON tl.user_id = ob.user_id LEFT JOIN alert_subscriptions a ON a.user_id = ob.user_id`

func scanOutbox(rows *sql.Rows) ([]OutboxAlert, error) {
	defer rows.Close()
	var out []OutboxAlert
	for rows.Next() {
		var o OutboxAlert
		var body, created, next string
		var held int
		if err := rows.Scan(&o.ID, &o.UserID, &o.Login, &o.Channel, &o.Ref, &body, &o.Link, &created, &held, &o.Attempts,
			&o.LastError, &next, &o.ChatID, &o.Email, &o.Lang); err != nil {
			return nil, fmt.Errorf("store: unable to read an alert: %w", err)
		}
		if err := json.Unmarshal([]byte(body), &o.Facts); err != nil {
			return nil, fmt.Errorf("store: alert %d is damaged: %w", o.ID, err)
		}
		o.CreatedAt, o.NextTry, o.Held = parseTime(created), parseTime(next), held != 0
		out = append(out, o)
	}
	return out, rows.Err()
}

// DueAlerts lists unsent alerts whose time has come, by subscriber then age.
func (s *Store) DueAlerts(ctx context.Context, now time.Time, limit int) ([]OutboxAlert, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT "+outboxColumns+" "+outboxJoins+
		" WHERE ob.sent_at IS NULL AND ob.next_try <= ? ORDER BY ob.user_id, ob.id LIMIT ?", fmtTime(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the alert outbox: %w", err)
	}
	return scanOutbox(rows)
}

// FailingAlerts lists unsent alerts that failed at least once (for the admin page).
func (s *Store) FailingAlerts(ctx context.Context, limit int) ([]OutboxAlert, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT "+outboxColumns+" "+outboxJoins+
		" WHERE ob.sent_at IS NULL AND ob.attempts > 0 ORDER BY ob.id DESC LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the alert outbox: %w", err)
	}
	return scanOutbox(rows)
}

// AlertWindowOf reads a subscriber's current window.
func (s *Store) AlertWindowOf(ctx context.Context, userID int64) (AlertWindow, error) {
	var w AlertWindow
	var start sql.NullString
	err := s.ro.QueryRowContext(ctx, "SELECT window_start, window_sent FROM alert_subscriptions WHERE user_id = ?", userID).Scan(&start, &w.Sent)
	if err != nil && err != sql.ErrNoRows {
		return w, fmt.Errorf("store: unable to read an alert window: %w", err)
	}
	w.Start = parseTimePtr(start)
	return w, nil
}

// SetAlertWindow saves a subscriber's window and marks the alerts held for the
// window's bundle, in one transaction.
func (s *Store) SetAlertWindow(ctx context.Context, userID int64, w AlertWindow, hold []int64) error {
	return s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.exec("UPDATE alert_subscriptions SET window_start = ?, window_sent = ? WHERE user_id = ?",
			fmtTimePtr(w.Start), w.Sent, userID); err != nil {
			return fmt.Errorf("store: unable to save an alert window: %w", err)
		}
		for _, id := range hold {
			if _, err := tx.exec("UPDATE alert_outbox SET held = 1 WHERE id = ?", id); err != nil {
				return fmt.Errorf("store: unable to hold an alert: %w", err)
			}
		}
		return nil
	})
}

// AlertsSent marks alerts sent (together, as one message, when there are several)
// and writes one audit entry per alert: who got what about which record, by which
// channel. No text of the message, which holds nothing the entry does not.
func (s *Store) AlertsSent(ctx context.Context, alerts []OutboxAlert) error {
	return s.Write(ctx, func(tx *Tx) error {
		now := tx.Now()
		var bundle any
		if len(alerts) > 1 {
			bundle = alerts[0].ID
		}
		for _, a := range alerts {
			if _, err := tx.exec("UPDATE alert_outbox SET sent_at = ?, bundle_id = ?, attempts = attempts + 1, last_error = '' WHERE id = ? AND sent_at IS NULL",
				fmtTime(now), bundle, a.ID); err != nil {
				return fmt.Errorf("store: unable to mark an alert sent: %w", err)
			}
			after, _ := json.Marshal(map[string]any{"to_user": a.UserID, "channel": a.Channel, "ref": a.Ref, "bundled": len(alerts) > 1})
			entity, id := "incident", strconv.FormatInt(a.Facts.IncidentID, 10)
			switch a.Facts.Kind {
			case report.AlertSilent:
				entity, id = "observer", a.Facts.ObserverCode
			case report.AlertReplicaLag:
				entity, id = "replica", a.Facts.Replica
			}
			if err := tx.Audit(report.AuditEntry{Actor: "system", Action: report.AuditAlert, Entity: entity, EntityID: id,
				After: string(after)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// AlertsFailed records a failed attempt and when to try again.
func (s *Store) AlertsFailed(ctx context.Context, alerts []OutboxAlert, why string, next time.Time) error {
	if len(why) > 500 {
		why = why[:500]
	}
	return s.Write(ctx, func(tx *Tx) error {
		for _, a := range alerts {
			if _, err := tx.exec("UPDATE alert_outbox SET attempts = attempts + 1, last_error = ?, next_try = ? WHERE id = ? AND sent_at IS NULL",
				why, fmtTime(next), a.ID); err != nil {
				return fmt.Errorf("store: unable to record a failed alert: %w", err)
			}
		}
		return nil
	})
}
