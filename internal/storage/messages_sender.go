package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
)

// Sender is who sent a message, and what their message is read against.
type Sender struct {
	Observer report.Observer
	// User is the observer's account (zero without one): records are theirs.
	User     report.User
	Lang     string
	Election report.Election
	Zone     *time.Location
	Assigned []report.Station
}

// SenderKey is the keyed hash a sender's identity is matched and stored by.
func (s *Store) SenderKey(identity string) string { return s.sealer.keyed(identity) }

// SenderByPhone finds the observer whose phone is e164 (E.164). When the number
// belongs to observers of several elections, the election held at now (its date
// ± 1 day in its zone) wins, else the latest. ok is false for an unknown number.
func (s *Store) SenderByPhone(ctx context.Context, e164 string, now time.Time) (Sender, bool, error) {
	return s.sender(ctx, `FROM observer_contacts c JOIN observers o ON o.id = c.observer_id
		LEFT JOIN assignments a ON a.observer_id = o.id
		LEFT JOIN stations st ON st.id = a.station_id
		LEFT JOIN elections e ON e.id = st.election_id
		WHERE c.phone_key = ?`, s.sealer.keyed(e164), now)
}

// SenderByObserver is the sender of a channel that knows the observer already (a
// linked Telegram account), with their election chosen as SenderByPhone does.
func (s *Store) SenderByObserver(ctx context.Context, observerID int64, now time.Time) (Sender, bool, error) {
	return s.sender(ctx, `FROM observers o
		LEFT JOIN assignments a ON a.observer_id = o.id
		LEFT JOIN stations st ON st.id = a.station_id
		LEFT JOIN elections e ON e.id = st.election_id
		WHERE o.id = ?`, observerID, now)
}

func (s *Store) sender(ctx context.Context, from string, arg any, now time.Time) (Sender, bool, error) {
	rows, err := preparedReads{s}.QueryContext(ctx, `SELECT o.id, o.code, o.region_code, o.language, COALESCE(e.id, 0), COALESCE(e.code, ''),
		COALESCE(e.name, ''), COALESCE(e.date, '') `+from+` GROUP BY o.id, e.id`, arg)
	if err != nil {
		return Sender{}, false, fmt.Errorf("store: unable to look up a sender: %w", err)
	}
	type cand struct {
		o    report.Observer
		lang string
		e    report.Election
	}
	var cands []cand
	for rows.Next() {
		var c cand
		if err := rows.Scan(&c.o.ID, &c.o.Code, &c.o.RegionCode, &c.lang, &c.e.ID, &c.e.Code, &c.e.Name, &c.e.Date); err != nil {
			rows.Close()
			return Sender{}, false, fmt.Errorf("store: unable to look up a sender: %w", err)
		}
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Sender{}, false, fmt.Errorf("store: unable to look up a sender: %w", err)
	}
	if len(cands) == 0 {
		return Sender{}, false, nil
	}
	best, bestToday := -1, false
	for i, c := range cands {
		if c.e.ID == 0 {
			if best < 0 {
				best = i
			}
			continue
		}
		today := false
		if len(cands) > 1 {
			zone, err := s.ElectionLocation(ctx, c.e.ID)
			if err != nil {
				return Sender{}, false, err
			}
			today = report.HeldAround(c.e.Date, now, zone)
		}
		switch {
		case best < 0 || cands[best].e.ID == 0:
			best, bestToday = i, today
		case today && !bestToday:
			best, bestToday = i, true
		case today == bestToday && c.e.Date > cands[best].e.Date:
			best = i
		}
	}
	c := cands[best]
	// Answers are in the account's language, else the roster's (intake.md).
	snd := Sender{Observer: c.o, Election: c.e, Lang: c.lang, Zone: time.UTC}
	if c.e.ID == 0 {
		// Assigned nowhere: the latest election is the sender's.
		err := s.readRow(ctx, "SELECT id, code, name, date FROM elections ORDER BY date DESC, id DESC LIMIT 1").
			Scan(&snd.Election.ID, &snd.Election.Code, &snd.Election.Name, &snd.Election.Date)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Sender{}, false, fmt.Errorf("store: unable to read the latest election: %w", err)
		}
	}
	if snd.Election.ID != 0 {
		if snd.Assigned, err = s.AssignedStations(ctx, c.o.ID, snd.Election.ID); err != nil {
			return Sender{}, false, err
		}
		if snd.Zone, err = s.senderZone(ctx, snd.Election.ID, snd.Assigned); err != nil {
			return Sender{}, false, err
		}
	}
	var lang string
	// A live account first; an observer whose every account is disabled is no
	// longer heard from: their messages go to the inbox as an unknown sender's.
	u, err := scanUserLang(s.readRow(ctx, "SELECT "+userColumns+", lang FROM users WHERE observer_id = ? ORDER BY disabled_at IS NOT NULL, id LIMIT 1", c.o.ID), &lang)
	switch {
	case err == nil && u.DisabledAt != nil:
		return Sender{}, false, nil
	case err == nil:
		snd.User = u
		if lang != "" {
			snd.Lang = lang
		}
	case !errors.Is(err, sql.ErrNoRows):
		return Sender{}, false, fmt.Errorf("store: unable to read the sender's account: %w", err)
	}
	return snd, true, nil
}

func scanUserLang(row *sql.Row, lang *string) (report.User, error) {
	var u report.User
	var created string
	var disabled sql.NullString
	err := row.Scan(&u.ID, &u.Login, &u.Role, &u.RegionCode, &u.ObserverID, &u.TOTPSecret, &created, &disabled, lang)
	u.CreatedAt = parseTime(created)
	u.DisabledAt = parseTimePtr(disabled)
	return u, err
}

// StationByKey finds a station of the election whose intake.StationKey is that of typed (a code as typed, or its key):
// by the code as typed first (the usual case, one indexed read), else among all
// the election's stations (a code typed with look-alike letters, or no station).
func (s *Store) StationByKey(ctx context.Context, electionID int64, typed string) (report.Station, bool, error) {
	key := intake.StationKey(typed)
	for _, code := range []string{strings.TrimSpace(typed), key, strings.ToUpper(strings.TrimSpace(typed))} {
		st, err := s.StationByCode(ctx, electionID, code)
		if err == nil && intake.StationKey(st.Code) == key {
			return st, true, nil
		}
		if err != nil && !errors.Is(err, report.ErrNotFound) {
			return st, false, err
		}
	}
	list, err := s.ElectionStations(ctx, electionID)
	if err != nil {
		return report.Station{}, false, err
	}
	for _, st := range list {
		if intake.StationKey(st.Code) == key {
			return st, true, nil
		}
	}
	return report.Station{}, false, nil
}

// senderZone is the zone an observer's messages are timed in: their station's,
// else the election's.
func (s *Store) senderZone(ctx context.Context, electionID int64, assigned []report.Station) (*time.Location, error) {
	for _, st := range assigned {
		if st.Timezone != "" {
			return st.Location(), nil
		}
	}
	return s.ElectionLocation(ctx, electionID)
}
