package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/observerkz/observer/internal/report"
)

// RosterEntry is one observer on the coordinator's list: the pseudonymous code and
// what it is assigned to, never personal data.
type RosterEntry struct {
	report.Observer
	Stations   []string // codes of the stations assigned in the election
	Login      string   // the account that is this observer ("" before the invitation is used)
	HasContact bool
}

// RosterFilter selects observers for the list.
type RosterFilter struct {
	ElectionID int64
	RegionCode string // only observers of this region ("" for all)
	CodePrefix string
	After      string // keyset paging by code
	Limit      int
}

// Roster lists observers by code with their assignments in one election.
func (s *Store) Roster(ctx context.Context, f RosterFilter) ([]RosterEntry, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q := `SELECT o.id, o.code, o.region_code,
		COALESCE((SELECT group_concat(st.code, ' ' ORDER BY st.code) FROM assignments a CROSS JOIN stations st ON st.id = a.station_id
			WHERE a.observer_id = o.id AND st.election_id = ?), ''),
		COALESCE((SELECT login FROM users u WHERE u.observer_id = o.id ORDER BY u.id LIMIT 1), ''),
		EXISTS (SELECT 1 FROM observer_contacts c WHERE c.observer_id = o.id)
		FROM observers o WHERE o.code > ?`
	args := []any{f.ElectionID, f.After}
	if f.RegionCode != "" {
		q += " AND o.region_code = ?"
		args = append(args, f.RegionCode)
	}
	if f.CodePrefix != "" {
		q += " AND o.code >= ? AND o.code < ?"
		args = append(args, f.CodePrefix, f.CodePrefix+"\U0010FFFF")
	}
	q += " ORDER BY o.code LIMIT ?"
	rows, err := s.ro.QueryContext(ctx, q, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list observers: %w", err)
	}
	defer rows.Close()
	var out []RosterEntry
	for rows.Next() {
		var e RosterEntry
		var stations string
		if err := rows.Scan(&e.ID, &e.Code, &e.RegionCode, &stations, &e.Login, &e.HasContact); err != nil {
			return nil, fmt.Errorf("store: unable to read an observer: %w", err)
		}
		e.Stations = strings.Fields(stations)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Observer returns a pseudonymous observer.
func (s *Store) Observer(ctx context.Context, id int64) (report.Observer, error) {
	var o report.Observer
	err := s.readRow(ctx, "SELECT id, code, region_code FROM observers WHERE id = ?", id).Scan(&o.ID, &o.Code, &o.RegionCode)
	if errors.Is(err, sql.ErrNoRows) {
		return o, report.ErrNotFound
	}
	if err != nil {
		return o, fmt.Errorf("store: unable to read observer %d: %w", id, err)
	}
	return o, nil
}

// RevealContact opens an observer's personal data for a coordinator who asked to see
// it, writing the read to the audit log first: no audit entry, no data.
func (s *Store) RevealContact(ctx context.Context, observerID int64, el report.Election, actor report.User) (report.ObserverContact, error) {
	err := s.Write(ctx, func(tx *Tx) error {
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditContactsRead,
			Entity: "observer_contact", EntityID: strconv.FormatInt(observerID, 10), ElectionID: el.ID})
	})
	if err != nil {
		return report.ObserverContact{}, err
	}
	return s.ObserverContact(ctx, observerID)
}

// SetAssignments makes the observer's assignments in one election exactly stationIDs
// (other elections' assignments stay). It reports whether anything changed.
func SetAssignments(tx *Tx, observerID, electionID int64, stationIDs []int64, actor report.User) (bool, error) {
	rows, err := tx.query(`SELECT a.station_id FROM assignments a CROSS JOIN stations s ON s.id = a.station_id
		WHERE a.observer_id = ? AND s.election_id = ? ORDER BY a.station_id`, observerID, electionID)
	if err != nil {
		return false, fmt.Errorf("store: unable to read assignments: %w", err)
	}
	var have []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return false, fmt.Errorf("store: unable to read an assignment: %w", err)
		}
		have = append(have, id)
	}
	rows.Close()
	want := slices.Clone(stationIDs)
	slices.Sort(want)
	want = slices.Compact(want)
	if slices.Equal(have, want) {
		return false, nil
	}
	for _, id := range have {
		if !slices.Contains(want, id) {
			if _, err := tx.exec("DELETE FROM assignments WHERE observer_id = ? AND station_id = ?", observerID, id); err != nil {
				return false, fmt.Errorf("store: unable to remove an assignment: %w", err)
			}
		}
	}
	for _, id := range want {
		if !slices.Contains(have, id) {
			if _, err := tx.exec("INSERT INTO assignments(observer_id, station_id) VALUES (?, ?)", observerID, id); err != nil {
				return false, fmt.Errorf("store: unable to add an assignment: %w", err)
			}
		}
	}
	return true, tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditUpdate,
		Entity: "assignments", EntityID: strconv.FormatInt(observerID, 10), ElectionID: electionID,
		Before: idList(have), After: idList(want)})
}

func idList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return `{"stations":[` + strings.Join(parts, ",") + `]}`
}

// NextObserverCode proposes an unused code OBS-NNNN, one above the highest in use.
func (s *Store) NextObserverCode(ctx context.Context) (string, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT code FROM observers WHERE code LIKE 'OBS-%'")
	if err != nil {
		return "", fmt.Errorf("store: unable to read observer codes: %w", err)
	}
	defer rows.Close()
	high := 0
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return "", fmt.Errorf("store: unable to read an observer code: %w", err)
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(code, "OBS-")); err == nil && n > high {
			high = n
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return fmt.Sprintf("OBS-%04d", high+1), nil
}

// ObserverInvite is what a coordinator asks for when inviting an observer.
type ObserverInvite struct {
	Election   report.Election
	Code       string // existing or new observer code
	RegionCode string // region of a new observer (and of an existing one without a region)
	StationIDs []int64
	// LimitRegion refuses an existing observer of another region (a region-limited coordinator).
	LimitRegion string
}

// ErrOtherRegion is returned when a region-limited coordinator names an observer of
// another region (handlers answer 404: it must not confirm the code exists).
var ErrOtherRegion = errors.New("the observer belongs to another region")

// PrepareObserver creates the observer if new and sets its assignments in the
// election, ready for an invitation link.
func (s *Store) PrepareObserver(ctx context.Context, in ObserverInvite, actor report.User) (report.Observer, error) {
	var o report.Observer
	err := s.Write(ctx, func(tx *Tx) error {
		err := tx.queryRow("SELECT id, code, region_code FROM observers WHERE code = ?", in.Code).Scan(&o.ID, &o.Code, &o.RegionCode)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			id, err := EnsureObserver(tx, in.Code, in.RegionCode, actor)
			if err != nil {
				return err
			}
			o = report.Observer{ID: id, Code: in.Code, RegionCode: in.RegionCode}
		case err != nil:
			return fmt.Errorf("store: unable to find observer %s: %w", in.Code, err)
		case in.LimitRegion != "" && o.RegionCode != in.LimitRegion:
			return ErrOtherRegion
		case o.RegionCode == "" && in.RegionCode != "":
			if err := setObserverRegion(tx, o, in.RegionCode, actor); err != nil {
				return err
			}
			o.RegionCode = in.RegionCode
		}
		_, err = SetAssignments(tx, o.ID, in.Election.ID, in.StationIDs, actor)
		return err
	})
	return o, err
}

func setObserverRegion(tx *Tx, o report.Observer, region string, actor report.User) error {
	if _, err := tx.exec("UPDATE observers SET region_code = ? WHERE id = ?", region, o.ID); err != nil {
		return fmt.Errorf("store: unable to set the region of observer %s: %w", o.Code, err)
	}
	return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditUpdate, Entity: "observer",
		EntityID: strconv.FormatInt(o.ID, 10), Before: fmt.Sprintf(`{"region_code":%q}`, o.RegionCode),
		After: fmt.Sprintf(`{"region_code":%q}`, region)})
}
