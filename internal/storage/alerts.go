package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// alertCursor is the settings key holding the last incident id looked at for alerts.
const alertCursor = "alerts.incident_cursor"

// alertHorizon: on the sender's very first run (no cursor yet) the incidents
// recorded more than this long before are no news: a sender started on an old
// database does not alert its history. Once the cursor exists every incident past
// it is alerted, however late: one recorded just before a crash still goes out
// after a restart hours later.
const alertHorizon = time.Hour

// AlertSubscription returns a user's subscription; found is false when there is none.
func (s *Store) AlertSubscription(ctx context.Context, userID int64) (sub report.AlertSubscription, found bool, err error) {
	var cats string
	var tg, em int
	var silent int
	err = s.ro.QueryRowContext(ctx, "SELECT categories, by_telegram, by_email, email, silent FROM alert_subscriptions WHERE user_id = ?", userID).
		Scan(&cats, &tg, &em, &sub.Email, &silent)
	if errors.Is(err, sql.ErrNoRows) {
		return report.AlertSubscription{UserID: userID, Categories: report.DefaultAlertCategories, Silent: true}, false, nil
	}
	if err != nil {
		return sub, false, fmt.Errorf("store: unable to read an alert subscription: %w", err)
	}
	sub.UserID, sub.ByTelegram, sub.ByEmail, sub.Silent = userID, tg != 0, em != 0, silent != 0
	if err := json.Unmarshal([]byte(cats), &sub.Categories); err != nil {
		return sub, false, fmt.Errorf("store: an alert subscription is damaged: %w", err)
	}
	return sub, true, nil
}

// SaveAlertSubscription creates or replaces a user's subscription (no channel at all
// is how one stops alerts; the row stays, as the audit log does).
func (s *Store) SaveAlertSubscription(ctx context.Context, sub report.AlertSubscription, lang string, actor report.User) error {
	cats, _ := json.Marshal(sub.Categories)
	after, _ := json.Marshal(map[string]any{"categories": sub.Categories, "telegram": sub.ByTelegram, "email": sub.ByEmail, "silent": sub.Silent})
	return s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`INSERT INTO alert_subscriptions(user_id, categories, by_telegram, by_email, email, silent, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(user_id) DO UPDATE SET categories = excluded.categories,
			by_telegram = excluded.by_telegram, by_email = excluded.by_email, email = excluded.email, silent = excluded.silent,
			updated_at = excluded.updated_at`,
			sub.UserID, string(cats), sub.ByTelegram, sub.ByEmail, sub.Email, sub.Silent, fmtTime(tx.Now())); err != nil {
			return fmt.Errorf("store: unable to save an alert subscription: %w", err)
		}
		if err := setLang(tx, sub.UserID, lang); err != nil {
			return err
		}
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditUpdate,
			Entity: "alert_subscription", EntityID: strconv.FormatInt(sub.UserID, 10), After: string(after)})
	})
}

type alertSubscriber struct {
	report.AlertSubscription
	role     report.Role
	region   string
	linked   bool
	disabled bool
	chatID   int64
	lang     string
}

// EnqueueAlerts puts the alerts for incidents recorded since the last call into the
// outbox, one row per subscriber and channel (a subscriber's scope and categories
// decide). It returns how many rows it added.
func (s *Store) EnqueueAlerts(ctx context.Context, baseURL string) (int, error) {
	added := 0
	err := s.Write(ctx, func(tx *Tx) error {
		added = 0
		var cursor int64
		var v string
		err := tx.queryRow("SELECT value FROM settings WHERE key = ?", alertCursor).Scan(&v)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: unable to read the alert cursor: %w", err)
		}
		firstRun := err != nil
		if !firstRun {
			// A damaged cursor starts over as a first run does (the outbox keeps
			// each alert once).
			cursor, err = strconv.ParseInt(v, 10, 64)
			firstRun = err != nil
		}
		if firstRun {
			// The history is no news: the cursor starts past it.
			if err := tx.queryRow("SELECT COALESCE(MAX(id), 0) FROM incidents WHERE created_at < ?",
				fmtTime(tx.Now().Add(-alertHorizon))).Scan(&cursor); err != nil {
				return fmt.Errorf("store: unable to read past incidents: %w", err)
			}
		}
		rows, err := tx.query(`SELECT i.id, i.election_id, i.category, i.witnessed, i.created_at, s.code, r.code, COALESCE(o.code, '')
			FROM incidents i JOIN stations s ON s.id = i.station_id JOIN regions r ON r.id = s.region_id
			LEFT JOIN observers o ON o.id = i.observer_id WHERE i.id > ? ORDER BY i.id LIMIT 2000`, cursor)
		if err != nil {
			return fmt.Errorf("store: unable to read new incidents: %w", err)
		}
		type newIncident struct {
			electionID int64
			facts      report.AlertFacts
		}
		var incs []newIncident
		for rows.Next() {
			var n newIncident
			var witnessed int
			var created string
			if err := rows.Scan(&n.facts.IncidentID, &n.electionID, &n.facts.Category, &witnessed, &created,
				&n.facts.StationCode, &n.facts.RegionCode, &n.facts.ObserverCode); err != nil {
				rows.Close()
				return fmt.Errorf("store: unable to read a new incident: %w", err)
			}
			n.facts.Kind, n.facts.Witnessed, n.facts.At = report.AlertIncident, witnessed != 0, parseTime(created)
			incs = append(incs, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: unable to read new incidents: %w", err)
		}
		moveCursor := func(to int64) error {
			if _, err := tx.exec("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
				alertCursor, strconv.FormatInt(to, 10)); err != nil {
				return fmt.Errorf("store: unable to move the alert cursor: %w", err)
			}
			return nil
		}
		if len(incs) == 0 {
			if firstRun {
				return moveCursor(cursor) // from now on every incident is news
			}
			return nil
		}
		subs, err := alertSubscribers(tx)
		if err != nil {
			return err
		}
		now := tx.Now()
		for _, n := range incs {
			body, _ := json.Marshal(n.facts)
			link := strings.TrimRight(baseURL, "/") + "/incidents/" + strconv.FormatInt(n.facts.IncidentID, 10)
			for _, sub := range subs {
				if !sub.Watches(n.facts.Category) || !sub.covers(n.facts.RegionCode) {
					continue
				}
				c, err := enqueue(tx, sub, "incident:"+strconv.FormatInt(n.facts.IncidentID, 10), n.electionID, string(body), link, now)
				if err != nil {
					return err
				}
				added += c
			}
		}
		return moveCursor(incs[len(incs)-1].facts.IncidentID)
	})
	return added, err
}

func (a alertSubscriber) covers(region string) bool {
	return !a.disabled && (a.role == report.RoleAdmin || (a.role == report.RoleCoordinator && (a.region == "" || a.region == region)))
}

const alertSubscribersSQL = `SELECT a.user_id, a.categories, a.by_telegram, a.by_email, a.email, a.silent, u.role, u.region_code,
	u.disabled_at IS NOT NULL, COALESCE(tl.chat_id, 0), u.lang
	FROM alert_subscriptions a JOIN users u ON u.id = a.user_id LEFT JOIN telegram_links tl ON tl.user_id = a.user_id
	WHERE a.by_telegram = 1 OR a.by_email = 1`

func alertSubscribers(tx *Tx) ([]alertSubscriber, error) {
	rows, err := tx.query(alertSubscribersSQL)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read alert subscriptions: %w", err)
	}
	return scanAlertSubscribers(rows)
}

func scanAlertSubscribers(rows *sql.Rows) ([]alertSubscriber, error) {
	defer rows.Close()
	var out []alertSubscriber
	for rows.Next() {
		var a alertSubscriber
		var cats string
		if err := rows.Scan(&a.UserID, &cats, &a.ByTelegram, &a.ByEmail, &a.Email, &a.Silent, &a.role, &a.region, &a.disabled,
			&a.chatID, &a.lang); err != nil {
			return nil, fmt.Errorf("store: unable to read an alert subscription: %w", err)
		}
		if err := json.Unmarshal([]byte(cats), &a.Categories); err != nil {
			return nil, fmt.Errorf("store: an alert subscription is damaged: %w", err)
		}
		a.linked = a.chatID != 0
		out = append(out, a)
	}
	return out, rows.Err()
}

// channels are the ways this subscriber can be reached.
func (a alertSubscriber) channels() []string {
	var out []string
	if a.ByTelegram && a.linked {
		out = append(out, report.ChannelTelegram)
	}
	if a.ByEmail && a.Email != "" {
		out = append(out, report.ChannelEmail)
	}
	return out
}

// admin reports whether the subscriber gets alerts about the installation itself.
func (a alertSubscriber) admin() bool { return !a.disabled && a.role == report.RoleAdmin }

// enqueue adds the rows of one alert for one subscriber, once per channel whatever
// how often it is asked (UNIQUE user, channel, ref).
func enqueue(tx *Tx, a alertSubscriber, ref string, electionID int64, body, link string, now time.Time) (int, error) {
	n := 0
	for _, ch := range a.channels() {
		res, err := tx.exec(`INSERT INTO alert_outbox(user_id, channel, ref, election_id, body, link, created_at, next_try)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(user_id, channel, ref) DO NOTHING`,
			a.UserID, ch, ref, nullID(electionID), body, link, fmtTime(now), fmtTime(now))
		if err != nil {
			return n, fmt.Errorf("store: unable to queue an alert: %w", err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, nil
}

// EnqueueSilentAlerts queues an alert about each silent observer for the
// subscribers whose scope covers their station, once per silence (a later silence,
// after they were heard again, is a new alert).
func (s *Store) EnqueueSilentAlerts(ctx context.Context, silent []SilentObserver, baseURL string) (int, error) {
	if len(silent) == 0 {
		return 0, nil
	}
	added := 0
	err := s.Write(ctx, func(tx *Tx) error {
		added = 0
		subs, err := alertSubscribers(tx)
		if err != nil {
			return err
		}
		link := strings.TrimRight(baseURL, "/") + "/coverage"
		for _, so := range silent {
			facts := report.AlertFacts{Kind: report.AlertSilent, StationCode: so.Station.Code, RegionCode: so.Station.RegionCode,
				ObserverCode: so.ObserverCode, At: so.LastHeardAt}
			body, _ := json.Marshal(facts)
			ref := fmt.Sprintf("silent:%d:%d", so.ObserverID, so.LastHeardAt.Unix())
			for _, sub := range subs {
				if !sub.Silent || !sub.covers(so.Station.RegionCode) {
					continue
				}
				n, err := enqueue(tx, sub, ref, so.ElectionID, string(body), link, tx.Now())
				if err != nil {
					return err
				}
				added += n
			}
		}
		return nil
	})
	return added, err
}

// EnqueueAdminAlert queues an alert about the installation itself (report.AlertReplicaLag)
// for every administrator who chose a channel, once per ref.
func (s *Store) EnqueueAdminAlert(ctx context.Context, facts report.AlertFacts, ref, link string) (int, error) {
	body, _ := json.Marshal(facts)
	added := 0
	err := s.Write(ctx, func(tx *Tx) error {
		added = 0
		subs, err := alertSubscribers(tx)
		if err != nil {
			return err
		}
		for _, sub := range subs {
			if !sub.admin() {
				continue
			}
			n, err := enqueue(tx, sub, ref, 0, string(body), link, tx.Now())
			if err != nil {
				return err
			}
			added += n
		}
		return nil
	})
	return added, err
}

// AdminAlertRecipients are the rows EnqueueAdminAlert would queue, read without
// writing: for sending straight away when the database cannot be written.
func (s *Store) AdminAlertRecipients(ctx context.Context, facts report.AlertFacts, ref, link string) ([]OutboxAlert, error) {
	rows, err := s.ro.QueryContext(ctx, alertSubscribersSQL)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read alert subscriptions: %w", err)
	}
	subs, err := scanAlertSubscribers(rows)
	if err != nil {
		return nil, err
	}
	var out []OutboxAlert
	for _, sub := range subs {
		if !sub.admin() {
			continue
		}
		for _, ch := range sub.channels() {
			out = append(out, OutboxAlert{UserID: sub.UserID, Channel: ch, Ref: ref, Facts: facts, Link: link,
				ChatID: sub.chatID, Email: sub.Email, Lang: sub.lang})
		}
	}
	return out, nil
}
