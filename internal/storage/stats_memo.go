package storage

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/observerkz/observer/internal/report"
)

// The statistics cache re-reads a station each time a commit touches it. Reading
// all of its observations again (the answers and protocol of each) made that cost
// grow through election day with the forms a station has: in the load test it was
// a quarter of the server's CPU after thirty seconds. A station's tally is the sum
// of what each observation adds plus what its incidents add, so the store keeps,
// per station, what its observations added and the highest observation id read,
// and reads only newer observations on the next read; the incidents, a covering
// index away (migration 0005), are read in full every time.
//
// New rows always have higher ids than the rows a read saw: there is one writer,
// rows are never deleted, and a row committed after a read began was inserted
// after every row that read can see. What the memo cannot follow, an observation
// edited or removed, or the election's checklists changed, moves one of two
// counters (triggers, migrations 0006 and 0007, whichever connection or process
// made the change); a memo made under other counters is not used, and the station
// is read in full again.

// maxMemoStations bounds the memo: a station with forms in all four phases takes
// ~4 KB, so at most ~64 MB, and a national election (Kazakhstan has ~10,000
// stations) fits whole. Past it, one station at random makes room for the next.
const maxMemoStations = 16384

type tallyMemo struct {
	mu sync.Mutex
	m  map[int64]memoEntry
}

// memoEntry is what a station's submitted observations up to id last add to its
// tally (not Finished), read under the given versions.
type memoEntry struct {
	election int64
	versions memoVersions
	last     int64
	obs      *report.StationTally // never changed once stored
}

type memoVersions struct{ checklists, observations int64 }

func (m *tallyMemo) get(election, station int64, v memoVersions) (memoEntry, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.m[station]
	return e, ok && e.election == election && e.versions == v
}

func (m *tallyMemo) put(station int64, e memoEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = make(map[int64]memoEntry)
	}
	if _, ok := m.m[station]; !ok && len(m.m) >= maxMemoStations {
		for k := range m.m { // map order: any one
			delete(m.m, k)
			break
		}
	}
	// A read that began earlier must not replace what a later one stored: the
	// later one read at least as far, under versions at least as new.
	if old, ok := m.m[station]; ok && old.election == e.election && old.versions == e.versions && old.last > e.last {
		return
	}
	m.m[station] = e
}

func cloneTally(t *report.StationTally) *report.StationTally {
	c := &report.StationTally{}
	c.Add(t)
	return c
}

// readStationTallies reads the given stations' tallies (no time window) in tx,
// using and renewing the memo.
func (s *Store) readStationTallies(ctx context.Context, tx *sql.Tx, tl *tallier, electionID int64, ids []int64) error {
	var v memoVersions
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT n FROM checklist_version WHERE id = 1), (SELECT n FROM observation_version WHERE id = 1)`).
		Scan(&v.checklists, &v.observations); err != nil {
		return fmt.Errorf("store: unable to read the statistics versions: %w", err)
	}
	since, err := tx.PrepareContext(ctx, `SELECT id, station_id, phase, assessment, answers, protocol FROM observations
		WHERE station_id = ? AND id > ? AND state = 'submitted' AND +election_id = ?`)
	if err != nil {
		return fmt.Errorf("store: unable to read observations for statistics: %w", err)
	}
	defer since.Close()
	tl.last = map[int64]int64{}
	ids = slices.Compact(slices.Sorted(slices.Values(ids))) // each station once
	for start := 0; start < len(ids); start += stationChunk {
		chunk := ids[start:min(start+stationChunk, len(ids))]
		memo := map[int64]memoEntry{}
		var full []int64
		for _, id := range chunk {
			if e, ok := s.tallyMemo.get(electionID, id, v); ok {
				memo[id] = e
				tl.last[id] = e.last
			} else {
				full = append(full, id)
			}
		}
		if len(full) > 0 {
			if err := tl.readObservations(ctx, tx, electionID, stationSel{ids: full}, nil); err != nil {
				return err
			}
		}
		var known []int64
		for id, e := range memo {
			rows, err := since.QueryContext(ctx, id, e.last, electionID)
			if err != nil {
				return fmt.Errorf("store: unable to read observations for statistics: %w", err)
			}
			if err := tl.addObservations(rows); err != nil {
				return err
			}
			known = append(known, id)
		}
		// What the observations add, kept for next time; the incidents are added
		// to a copy.
		for _, id := range chunk {
			obs := tl.station(id)
			if e, ok := memo[id]; ok {
				delta := obs
				obs = cloneTally(e.obs)
				obs.Add(delta)
			}
			s.tallyMemo.put(id, memoEntry{election: electionID, versions: v, last: tl.last[id], obs: obs})
			tl.tallies[id] = cloneTally(obs)
		}
		// The incidents count with the forms that hold witnessed ones: those the
		// memo stood in for were not read above.
		if err := tl.readObservationRefs(ctx, tx, electionID, known); err != nil {
			return err
		}
		if err := tl.readIncidents(ctx, tx, electionID, stationSel{ids: chunk}, nil); err != nil {
			return err
		}
		clear(tl.obs)
	}
	return nil
}

// readObservationRefs notes the station and phase of the submitted observations
// that hold witnessed incidents of the given stations.
func (tl *tallier) readObservationRefs(ctx context.Context, tx *sql.Tx, electionID int64, stations []int64) error {
	if len(stations) == 0 {
		return nil
	}
	args := []any{electionID}
	for _, id := range stations {
		args = append(args, id)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, station_id, phase FROM observations
		WHERE state = 'submitted' AND id IN (SELECT observation_id FROM incidents
			WHERE election_id = ? AND station_id IN (?`+strings.Repeat(",?", len(stations)-1)+`)
			AND witnessed = 1 AND observation_id IS NOT NULL)`, args...)
	if err != nil {
		return fmt.Errorf("store: unable to read the forms of witnessed incidents: %w", err)
	}
	defer rows.Close()
	var (
		id, station int64
		phase       sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&id, &station, &phase); err != nil {
			return fmt.Errorf("store: unable to read the forms of witnessed incidents: %w", err)
		}
		if cl, ok := tl.checklists[tallyPhase(phase)]; ok {
			tl.obs[id] = obsRef{station: station, phase: cl.Phase}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to read the forms of witnessed incidents: %w", err)
	}
	return nil
}
