package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
)

// Message statuses (intake.md). A duplicate is not stored again: it is answered
// with its original's status, reply and records.
const (
	MsgAccepted      = "accepted"
	MsgRejected      = "rejected"
	MsgUnparsed      = "unparsed"
	MsgUnknownSender = "unknown_sender"
	MsgDuplicate     = "duplicate"
)

// What a message's records are (messages.record_kind): the message language's
// kinds (intake.Kind), and the inbox's single record a coordinator made.
const (
	recordObservation = string(intake.KindObservation) // the observation, then its incidents
	recordIncidents   = string(intake.KindIncidents)
	recordIncident    = "incident"
	recordHandled     = "handled" // closed without a record
)

// RepeatWindow is how long the same text from the same sender is the same message,
// whatever its id: some gateways re-send under a new id.
const RepeatWindow = 12 * time.Hour

// Inbound is a message as a gateway or the bot delivered it.
type Inbound struct {
	Channel    string // "sms" or "telegram"
	GatewayID  int64  // 0 for Telegram
	ExternalID string // the gateway's message id
	Sender     string // E.164 number, or "tg:<user id>"
	Text       string
	ReceivedAt time.Time // the gateway's time, else arrival
}

// Reading is what the caller made of a message before it is stored.
type Reading struct {
	Status     string // MsgAccepted, MsgRejected, MsgUnparsed or MsgUnknownSender
	Reason     string // the refusal's reason (intake.Unparsed…)
	ObserverID int64
	ElectionID int64
	RegionCode string
	// Message holds the records of an accepted message; their client ids are
	// given here from the stored message's id.
	Message intake.Message
	// Actor files the records: the observer's account, else the gateway.
	Actor report.User
	// Reply words the answer once the records have their numbers; refusal is
	// set when storage itself refused them (a rule checked against the database).
	Reply func(ids []int64, refusal *intake.Refusal) string
}

// Received is the stored outcome of a message.
type Received struct {
	MessageID int64
	Status    string
	Reply     string
	Records   []int64
}

// textKey is the hash a text is compared by for repeats: spaces and case normalised.
func textKey(text string) string {
	h := sha256.Sum256([]byte(strings.ToLower(strings.Join(strings.Fields(text), " "))))
	return hex.EncodeToString(h[:])
}

// ReceiveMessage stores a message and what was made from it in one commit, or
// finds it already received: by the gateway's id, or as the same text from the
// same sender within RepeatWindow. It returns once the commit is durable. Either
// way the sender is heard from (the silent-observer clock).
func (s *Store) ReceiveMessage(ctx context.Context, in Inbound, rd Reading) (Received, error) {
	senderKey := s.sealer.keyed(in.Sender)
	tkey := textKey(in.Text)
	var out Received
	err := s.Write(ctx, func(tx *Tx) error {
		out = Received{}
		now := tx.Now()
		if in.ReceivedAt.IsZero() || in.ReceivedAt.After(now.Add(report.ClockSkew)) {
			in.ReceivedAt = now
		}
		dup, found, err := findRepeat(tx, in, senderKey, tkey)
		if err != nil || found {
			out = dup.Received
			if found && dup.observerID != 0 && dup.electionID != 0 {
				return heardOn(tx, dup.observerID, dup.electionID, 0, in.Channel, false)
			}
			return err
		}
		if out.MessageID, err = s.insertMessage(tx, in, senderKey, tkey, rd); err != nil {
			return err
		}
		out.Status = rd.Status
		var refusal *intake.Refusal
		kind := ""
		if rd.Status == MsgAccepted {
			kind = string(rd.Message.Kind)
			out.Records, refusal, err = s.recordMessage(tx, out.MessageID, rd, in.Channel)
			if err != nil {
				return err
			}
			if refusal != nil {
				out.Status, kind = MsgRejected, ""
			}
		}
		// A message that made no record is contact all the same (the silent-observer clock).
		if out.Status != MsgAccepted && rd.ObserverID != 0 && rd.ElectionID != 0 {
			if err := heardOn(tx, rd.ObserverID, rd.ElectionID, 0, in.Channel, false); err != nil {
				return err
			}
		}
		if rd.Reply != nil {
			out.Reply = rd.Reply(out.Records, refusal)
		}
		return closeMessage(tx, in, rd, out, kind, refusal)
	})
	return out, err
}

// insertMessage stores a message as received, before its records are made.
func (s *Store) insertMessage(tx *Tx, in Inbound, senderKey, tkey string, rd Reading) (int64, error) {
	sealedSender, err := s.sealer.seal([]byte(in.Sender), []byte("message-sender"))
	if err != nil {
		return 0, err
	}
	res, err := tx.exec(insertMessageSQL,
		in.Channel, in.GatewayID, in.ExternalID, senderKey, sealedSender,
		tkey, in.Text, textSHA256(in.Text), fmtTime(in.ReceivedAt), fmtTime(tx.Now()),
		nullID(rd.ObserverID), nullID(rd.ElectionID), rd.RegionCode, rd.Status, rd.Reason)
	if err != nil {
		return 0, fmt.Errorf("store: unable to save a message: %w", err)
	}
	return res.LastInsertId()
}

// closeMessage stores a message's outcome (out: its status, reply and records of
// the given kind) and the audit entry that puts the hash of its text in the chain.
func closeMessage(tx *Tx, in Inbound, rd Reading, out Received, kind string, refusal *intake.Refusal) error {
	recs, _ := json.Marshal(nonNil(out.Records))
	if _, err := tx.exec(messageOutcomeSQL,
		out.Status, out.Reply, string(recs), kind, refusalReason(refusal), out.MessageID); err != nil {
		return fmt.Errorf("store: unable to save a message's outcome: %w", err)
	}
	after, _ := json.Marshal(map[string]any{"channel": in.Channel, "gateway_id": in.GatewayID, "status": out.Status,
		"text_sha256": textSHA256(in.Text), "records": nonNil(out.Records), "observer_id": rd.ObserverID})
	return tx.Audit(report.AuditEntry{ActorID: rd.Actor.ID, Actor: actorName(rd.Actor), Action: "receive", Entity: report.EntityMessage,
		EntityID: strconv.FormatInt(out.MessageID, 10), ElectionID: rd.ElectionID, After: string(after)})
}

func textSHA256(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// SaveIncidentFromMessage files an incident made from a message that is not one
// of the message language's (the description typed in the Telegram bot's guided
// report), and stores that message with it in the same commit, linked to the
// incident as the SMS messages are: its text's hash enters the audit chain and the
// evidence pack carries it. Sent again (the same client id), the incident is
// found and no second message is stored.
func (s *Store) SaveIncidentFromMessage(ctx context.Context, in report.Incident, actor report.User, msg Inbound, rd Reading) (id int64, created bool, err error) {
	rd.Actor, rd.Status = actor, MsgAccepted
	err = s.Write(ctx, func(tx *Tx) error {
		w, err := newRecordWriter(tx, in.ElectionID, actor)
		if err != nil {
			return err
		}
		w.channel = msg.Channel
		if id, created, err = w.saveIncident(in); err != nil || !created {
			return err
		}
		if msg.ReceivedAt.IsZero() || msg.ReceivedAt.After(tx.Now().Add(report.ClockSkew)) {
			msg.ReceivedAt = tx.Now()
		}
		out := Received{Status: MsgAccepted, Records: []int64{id}}
		if out.MessageID, err = s.insertMessage(tx, msg, s.sealer.keyed(msg.Sender), textKey(msg.Text), rd); err != nil {
			return err
		}
		return closeMessage(tx, msg, rd, out, recordIncident, nil)
	})
	return id, created, err
}

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

func refusalReason(r *intake.Refusal) any {
	if r == nil {
		return nil
	}
	return r.Reason
}

// repeat is a message found received before, with its sender's observer.
type repeat struct {
	Received
	observerID, electionID int64
}

// The statements a message runs in the writer (prepared: writerStatements).
const (
	messageColumns     = "id, reply, records, COALESCE(observer_id, 0), COALESCE(election_id, 0)"
	messageByIDSQL     = "SELECT " + messageColumns + " FROM messages WHERE gateway_id = ? AND channel = ? AND external_id = ?"
	messageRepeatedSQL = "SELECT " + messageColumns + ` FROM messages WHERE sender_key = ? AND text_key = ?
	AND received_at BETWEEN ? AND ? ORDER BY received_at, id LIMIT 1`
	insertMessageSQL = `INSERT INTO messages(channel, gateway_id, external_id, sender_key, sender, text_key, text,
	text_sha256, received_at, arrived_at, observer_id, election_id, region_code, status, reason)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	messageOutcomeSQL       = "UPDATE messages SET status = ?, reply = ?, records = ?, record_kind = ?, reason = COALESCE(?, reason) WHERE id = ?"
	observationIncidentsSQL = "SELECT id FROM incidents WHERE observation_id = ? ORDER BY id"
)

// findRepeat finds the message in as received before: the same gateway id, or
// the same text from the same sender within RepeatWindow of it.
func findRepeat(q rowQuerier, in Inbound, senderKey, tkey string) (repeat, bool, error) {
	var r repeat
	var recs string
	err := q.queryRow(messageByIDSQL, in.GatewayID, in.Channel, in.ExternalID).
		Scan(&r.MessageID, &r.Reply, &recs, &r.observerID, &r.electionID)
	if errors.Is(err, sql.ErrNoRows) {
		at := in.ReceivedAt
		if at.IsZero() {
			at = time.Now()
		}
		err = q.queryRow(messageRepeatedSQL, senderKey, tkey, fmtTime(at.Add(-RepeatWindow)), fmtTime(at.Add(RepeatWindow))).
			Scan(&r.MessageID, &r.Reply, &recs, &r.observerID, &r.electionID)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("store: unable to look for a repeated message: %w", err)
	}
	r.Status = MsgDuplicate
	if err := json.Unmarshal([]byte(recs), &r.Records); err != nil {
		return r, false, fmt.Errorf("store: message %d's records: %w", r.MessageID, err)
	}
	return r, true, nil
}

// Repeated reports whether in was received before (as ReceiveMessage would find
// it), reading without the writer: a caller can then skip reading the message
// again. ReceiveMessage still decides, in its commit.
func (s *Store) Repeated(ctx context.Context, in Inbound) (bool, error) {
	_, found, err := findRepeat(readRows{ctx, s}, in, s.sealer.keyed(in.Sender), textKey(in.Text))
	return found, err
}

// recordMessage files the records of an accepted message through the same
// resolution, validation and audit as every submission. A record the database
// refuses (a rule only it can check) refuses the whole message: nothing is written.
func (s *Store) recordMessage(tx *Tx, msgID int64, rd Reading, channel string) ([]int64, *intake.Refusal, error) {
	m := rd.Message
	base := "msg-" + strconv.FormatInt(msgID, 10)
	switch m.Kind {
	case intake.KindCheckIn, intake.KindCheckOut:
		id, err := checkInOut(tx, rd.ObserverID, rd.ElectionID, m.Station.ID, m.Kind == intake.KindCheckIn, channel, rd.Actor)
		if err != nil {
			return nil, nil, err
		}
		return []int64{id}, nil, nil
	}
	w, err := newRecordWriter(tx, rd.ElectionID, rd.Actor)
	if err != nil {
		return nil, nil, err
	}
	w.channel = channel
	refuse := func(fe report.FieldErrors) *intake.Refusal {
		return &intake.Refusal{Reason: intake.Invalid, Token: fe[0].Field, Param: fe.Error()}
	}
	if m.Kind == intake.KindObservation {
		o := m.Observation
		o.ClientID, o.ObserverID, o.UserID = base, rd.ObserverID, rd.Actor.ID
		for i := range o.Incidents {
			o.Incidents[i].ClientID = fmt.Sprintf("%s/%d", base, i+1)
			o.Incidents[i].ObserverID, o.Incidents[i].UserID = rd.ObserverID, rd.Actor.ID
		}
		check := o
		check.Incidents = append([]report.Incident(nil), o.Incidents...)
		fe, err := w.prepareObservation(&check)
		if err != nil {
			return nil, nil, err
		}
		if len(fe) > 0 {
			return nil, refuse(fe), nil
		}
		id, _, err := w.saveObservation(o)
		if err != nil {
			return nil, nil, err
		}
		ids := []int64{id}
		rows, err := tx.query(observationIncidentsSQL, id)
		if err != nil {
			return nil, nil, fmt.Errorf("store: unable to read a message's incidents: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var iid int64
			if err := rows.Scan(&iid); err != nil {
				return nil, nil, err
			}
			ids = append(ids, iid)
		}
		return ids, nil, rows.Err()
	}
	incs := append([]report.Incident(nil), m.Incidents...)
	for i := range incs {
		incs[i].ClientID = fmt.Sprintf("%s/%d", base, i+1)
		incs[i].ObserverID, incs[i].UserID = rd.ObserverID, rd.Actor.ID
		check := incs[i]
		fe, err := w.owner(&check.UserID, &check.ObserverID, &check.ObserverCode)
		if err != nil {
			return nil, nil, err
		}
		rfe, err := w.resolveIncident(&check)
		if err != nil {
			return nil, nil, err
		}
		if fe = append(append(fe, rfe...), report.ValidateIncident(check, w.rules)...); len(fe) > 0 {
			return nil, refuse(fe), nil
		}
	}
	var ids []int64
	for _, in := range incs {
		id, _, err := w.saveIncident(in)
		if err != nil {
			return nil, nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil, nil
}
