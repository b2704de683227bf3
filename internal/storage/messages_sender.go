package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
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
	rows, err := s.ro.QueryContext(ctx, `SELECT o.id, o.code, o.region_code, COALESCE(e.id, 0), COALESCE(e.code, ''),
		COALESCE(e.name, ''), COALESCE(e.date, '')
		FROM observer_contacts c JOIN observers o ON o.id = c.observer_id
		LEFT JOIN assignments a ON a.observer_id = o.id
		LEFT JOIN stations st ON st.id = a.station_id
		LEFT JOIN elections e ON e.id = st.election_id
		WHERE c.phone_key = ? GROUP BY o.id, e.id`, s.sealer.keyed(e164))
	if err != nil {
		return Sender{}, false, fmt.Errorf("store: unable to look up a sender: %w", err)
	}
	type cand struct {
		o report.Observer
		e report.Election
	}
	var cands []cand
	for rows.Next() {
		var c cand
		if err := rows.Scan(&c.o.ID, &c.o.Code, &c.o.RegionCode, &c.e.ID, &c.e.Code, &c.e.Name, &c.e.Date); err != nil {
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
			zone, err := s.electionZone(ctx, c.e.ID)
			if err != nil {
				return Sender{}, false, err
			}
			today = heldAround(c.e.Date, now, zone)
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
	snd := Sender{Observer: c.o, Election: c.e, Lang: "ru", Zone: time.UTC}
	if c.e.ID == 0 {
		// Assigned nowhere: the latest election is the sender's.
		err := s.readRow(ctx, "SELECT id, code, name, date FROM elections ORDER BY date DESC, id DESC LIMIT 1").
			Scan(&snd.Election.ID, &snd.Election.Code, &snd.Election.Name, &snd.Election.Date)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Sender{}, false, fmt.Errorf("store: unable to read the latest election: %w", err)
		}
	}
	if snd.Election.ID != 0 {
		if snd.Zone, err = s.electionZone(ctx, snd.Election.ID); err != nil {
			return Sender{}, false, err
		}
		if snd.Assigned, err = s.AssignedStations(ctx, c.o.ID, snd.Election.ID); err != nil {
			return Sender{}, false, err
		}
	}
	var lang string
	u, err := scanUserLang(s.readRow(ctx, "SELECT "+userColumns+", lang FROM users WHERE observer_id = ? AND disabled_at IS NULL ORDER BY id LIMIT 1", c.o.ID), &lang)
	switch {
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

// heldAround reports whether an election dated date (YYYY-MM-DD) is held within a
// day of now in its zone.
func heldAround(date string, now time.Time, zone *time.Location) bool {
	d, err := time.ParseInLocation("2006-01-02", date, zone)
	if err != nil {
		return false
	}
	return !now.Before(d.AddDate(0, 0, -1)) && now.Before(d.AddDate(0, 0, 2))
}

// stationKeys finds stations by intake.StationKey of their code, per election,
// rebuilt when the station list changes (reference_version).
type stationKeys struct {
	mu      sync.Mutex
	version int64
	byElec  map[int64]map[string]report.Station
	zones   map[int64]*time.Location
}

// StationByKey finds a station of the election by intake.StationKey of its code.
func (s *Store) StationByKey(ctx context.Context, electionID int64, key string) (report.Station, bool, error) {
	m, _, err := s.electionKeys(ctx, electionID)
	if err != nil {
		return report.Station{}, false, err
	}
	st, ok := m[key]
	return st, ok, nil
}

// electionKeys returns the election's stations by key and its time zone (as
// ElectionLocation gives it), kept while the station list is unchanged.
func (s *Store) electionKeys(ctx context.Context, electionID int64) (map[string]report.Station, *time.Location, error) {
	var v int64
	if err := s.readRow(ctx, "SELECT n FROM reference_version").Scan(&v); err != nil {
		return nil, nil, fmt.Errorf("store: unable to read the station version: %w", err)
	}
	k := &s.stationKeys
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.byElec == nil || k.version != v {
		k.byElec, k.zones, k.version = map[int64]map[string]report.Station{}, map[int64]*time.Location{}, v
	}
	m, ok := k.byElec[electionID]
	if !ok {
		list, err := s.ElectionStations(ctx, electionID)
		if err != nil {
			return nil, nil, err
		}
		m = make(map[string]report.Station, len(list))
		for _, st := range list {
			m[intake.StationKey(st.Code)] = st
		}
		zone, err := s.ElectionLocation(ctx, electionID)
		if err != nil {
			return nil, nil, err
		}
		k.byElec[electionID], k.zones[electionID] = m, zone
	}
	return m, k.zones[electionID], nil
}

// electionZone is ElectionLocation from the cache of electionKeys.
func (s *Store) electionZone(ctx context.Context, electionID int64) (*time.Location, error) {
	_, z, err := s.electionKeys(ctx, electionID)
	return z, err
}
