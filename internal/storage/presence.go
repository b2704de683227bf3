package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/observerkz/observer/internal/report"
)

// Channels a contact comes through (presence.last_channel).
const (
	ChannelWeb      = "web"
	ChannelSMS      = "sms"
	ChannelTelegram = "telegram"
)

// heardOn records contact from an observer: any submission checks them in (again,
// after a check-out); a counting observation stops their silence clock. station
// 0 keeps the station known.
func heardOn(tx *Tx, observerID, electionID, stationID int64, channel string, counting bool) error {
	now := fmtTime(tx.Now())
	var counted any
	if counting {
		counted = now
	}
	checkIn := any(now)
	if stationID == 0 {
		checkIn = nil // contact without a station (a repeat, an unreadable message) is not a check-in
	}
	_, err := tx.exec(heardSQL, observerID, electionID, nullID(stationID), checkIn, counted, now, channel)
	if err != nil {
		return fmt.Errorf("store: unable to note contact from observer %d: %w", observerID, err)
	}
	return nil
}

// heardSQL notes contact from an observer: every submission runs it.
const heardSQL = `INSERT INTO presence(observer_id, election_id, station_id, checked_in_at, counted_at, last_heard_at, last_channel)
	VALUES (?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT(observer_id, election_id) DO UPDATE SET
		station_id = COALESCE(excluded.station_id, presence.station_id),
		checked_in_at = CASE WHEN excluded.checked_in_at IS NOT NULL
			AND (presence.checked_in_at IS NULL OR presence.checked_out_at IS NOT NULL)
			THEN excluded.checked_in_at ELSE presence.checked_in_at END,
		checked_out_at = CASE WHEN excluded.checked_in_at IS NOT NULL THEN NULL ELSE presence.checked_out_at END,
		counted_at = COALESCE(excluded.counted_at, presence.counted_at),
		last_heard_at = excluded.last_heard_at, last_channel = excluded.last_channel`

// heard notes a record's observer as heard from (every submission counts).
func (w *recordWriter) heard(observerID, stationID int64, phase report.Phase) error {
	if observerID == 0 || w.tx == nil {
		return nil
	}
	ch := w.channel
	if ch == "" {
		ch = ChannelWeb
	}
	return heardOn(w.tx, observerID, w.election, stationID, ch, phase == report.PhaseCounting)
}

// checkInOut records a check-in (in) or check-out, audit-logged, and returns its id.
func checkInOut(tx *Tx, observerID, electionID, stationID int64, in bool, channel string, actor report.User) (int64, error) {
	if observerID == 0 || electionID == 0 || stationID == 0 {
		return 0, fmt.Errorf("store: a check-in needs its observer, election and station")
	}
	now := fmtTime(tx.Now())
	kind := "out"
	if in {
		kind = "in"
		if _, err := tx.exec(`INSERT INTO presence(observer_id, election_id, station_id, checked_in_at, last_heard_at, last_channel)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT(observer_id, election_id) DO UPDATE SET station_id = excluded.station_id,
				checked_in_at = excluded.checked_in_at, checked_out_at = NULL, counted_at = NULL,
				last_heard_at = excluded.last_heard_at, last_channel = excluded.last_channel`,
			observerID, electionID, stationID, now, now, channel); err != nil {
			return 0, fmt.Errorf("store: unable to check in: %w", err)
		}
	} else if _, err := tx.exec(`INSERT INTO presence(observer_id, election_id, station_id, checked_out_at, last_heard_at, last_channel)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT(observer_id, election_id) DO UPDATE SET station_id = excluded.station_id,
				checked_out_at = excluded.checked_out_at, last_heard_at = excluded.last_heard_at,
				last_channel = excluded.last_channel`,
		observerID, electionID, stationID, now, now, channel); err != nil {
		return 0, fmt.Errorf("store: unable to check out: %w", err)
	}
	res, err := tx.exec("INSERT INTO checkins(observer_id, election_id, station_id, kind, at, channel) VALUES (?, ?, ?, ?, ?, ?)",
		observerID, electionID, stationID, kind, now, channel)
	if err != nil {
		return 0, fmt.Errorf("store: unable to record a check-in: %w", err)
	}
	id, _ := res.LastInsertId()
	after, _ := json.Marshal(map[string]any{"observer_id": observerID, "station_id": stationID, "kind": kind, "channel": channel})
	return id, tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: "check_" + kind, Entity: "checkin",
		EntityID: strconv.FormatInt(id, 10), ElectionID: electionID, After: string(after)})
}

// CheckIn records that the observer is at the station now (in), or has left it.
// The station must be one of the observer's in the election: report.ErrNotFound otherwise.
func (s *Store) CheckIn(ctx context.Context, observerID, electionID, stationID int64, in bool, channel string, actor report.User) (int64, error) {
	var ok bool
	if err := s.readRow(ctx, `SELECT EXISTS (SELECT 1 FROM assignments a JOIN stations st ON st.id = a.station_id
		WHERE a.observer_id = ? AND a.station_id = ? AND st.election_id = ?)`, observerID, stationID, electionID).Scan(&ok); err != nil {
		return 0, fmt.Errorf("store: unable to check the assignment: %w", err)
	}
	if !ok {
		return 0, report.ErrNotFound
	}
	var id int64
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		id, err = checkInOut(tx, observerID, electionID, stationID, in, channel, actor)
		return err
	})
	return id, err
}
