package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// InboxItem is a message no record could be made from: an unknown sender's, or
// one not in the message language. It stays until a coordinator handles it.
type InboxItem struct {
	ID           int64
	Channel      string
	Gateway      string
	ReceivedAt   time.Time
	Text         string
	Status       string
	ObserverID   int64
	ObserverCode string
	ElectionID   int64
	RegionCode   string
	HandledAt    *time.Time
	Records      []int64
}

const inboxColumns = `m.id, m.channel, COALESCE(g.name, ''), m.received_at, m.text, m.status, COALESCE(m.observer_id, 0),
	COALESCE(o.code, ''), COALESCE(m.election_id, 0), m.region_code, m.handled_at, m.records`

const inboxFrom = ` FROM messages m LEFT JOIN sms_gateways g ON g.id = m.gateway_id AND m.channel = 'sms'
	LEFT JOIN observers o ON o.id = m.observer_id`

func scanInbox(sc scanner) (InboxItem, error) {
	var it InboxItem
	var received, recs string
	var handled sql.NullString
	err := sc.Scan(&it.ID, &it.Channel, &it.Gateway, &received, &it.Text, &it.Status, &it.ObserverID, &it.ObserverCode,
		&it.ElectionID, &it.RegionCode, &handled, &recs)
	if err != nil {
		return it, err
	}
	it.ReceivedAt = parseTime(received)
	it.HandledAt = parseTimePtr(handled)
	return it, json.Unmarshal([]byte(recs), &it.Records)
}

// Inbox lists the unhandled inbox messages, newest first. regionCode limits it to
// the messages of that region's observers (unknown senders belong to no region:
// national coordinators and administrators see them).
func (s *Store) Inbox(ctx context.Context, regionCode string, limit int) ([]InboxItem, error) {
	q := "SELECT " + inboxColumns + inboxFrom + ` WHERE m.status IN ('unparsed', 'unknown_sender') AND m.handled_at IS NULL`
	args := []any{}
	if regionCode != "" {
		q += " AND m.region_code = ?"
		args = append(args, regionCode)
	}
	q += " ORDER BY m.id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.ro.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the inbox: %w", err)
	}
	defer rows.Close()
	var out []InboxItem
	for rows.Next() {
		it, err := scanInbox(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read the inbox: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// InboxMessage returns one inbox message (report.ErrNotFound for any other message).
func (s *Store) InboxMessage(ctx context.Context, id int64) (InboxItem, error) {
	it, err := scanInbox(s.readRow(ctx, "SELECT "+inboxColumns+inboxFrom+
		" WHERE m.id = ? AND m.status IN ('unparsed', 'unknown_sender')", id))
	if errors.Is(err, sql.ErrNoRows) {
		return it, report.ErrNotFound
	}
	if err != nil {
		return it, fmt.Errorf("store: unable to read message %d: %w", id, err)
	}
	return it, nil
}

// ErrHandled is returned for an inbox message already handled.
var ErrHandled = errors.New("store: the message has already been handled")

// HandleMessage closes an inbox message, making from it an incident or an
// observation first when one is given (through the same validation, idempotency
// and audit as every submission, its client id derived from the message), all in
// one commit. Bad input is a report.FieldErrors and changes nothing.
func (s *Store) HandleMessage(ctx context.Context, id int64, in *report.Incident, o *report.Observation, actor report.User) (recordID int64, err error) {
	err = s.Write(ctx, func(tx *Tx) error {
		recordID = 0
		var handled sql.NullString
		var electionID int64
		if err := tx.queryRow("SELECT handled_at, COALESCE(election_id, 0) FROM messages WHERE id = ? AND status IN ('unparsed', 'unknown_sender')", id).
			Scan(&handled, &electionID); errors.Is(err, sql.ErrNoRows) {
			return report.ErrNotFound
		} else if err != nil {
			return fmt.Errorf("store: unable to read message %d: %w", id, err)
		}
		if handled.Valid {
			return ErrHandled
		}
		base := "inbox-" + strconv.FormatInt(id, 10)
		kind := recordHandled
		switch {
		case in != nil:
			w, err := newRecordWriter(tx, in.ElectionID, actor)
			if err != nil {
				return err
			}
			c := *in
			c.ClientID = base
			if recordID, _, err = w.saveIncident(c); err != nil {
				return err
			}
			kind = recordIncident
		case o != nil:
			w, err := newRecordWriter(tx, o.ElectionID, actor)
			if err != nil {
				return err
			}
			c := *o
			c.ClientID = base
			if recordID, _, err = w.saveObservation(c); err != nil {
				return err
			}
			kind = recordObservation
		}
		recs := "[]"
		if recordID != 0 {
			recs = "[" + strconv.FormatInt(recordID, 10) + "]"
		}
		if _, err := tx.exec("UPDATE messages SET handled_by = ?, handled_at = ?, records = ?, record_kind = ? WHERE id = ?",
			nullID(actor.ID), fmtTime(tx.Now()), recs, kind, id); err != nil {
			return fmt.Errorf("store: unable to close message %d: %w", id, err)
		}
		after, _ := json.Marshal(map[string]any{"handled": kind, "record_id": recordID})
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: "handle", Entity: report.EntityMessage,
			EntityID: strconv.FormatInt(id, 10), ElectionID: electionID, After: string(after)})
	})
	return recordID, err
}
