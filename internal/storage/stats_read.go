package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/observerkz/observer/internal/report"
)

// Reading tallies: one pass over the observations, one over the incidents, each
// streamed row by row; nothing is held beyond the tallies but a map from each
// observation to its station and phase.

// obsRef is where an observation is counted, for its incidents.
type obsRef struct {
	station int64
	phase   report.Phase
}

type tallier struct {
	schema     report.StatsSchema
	checklists map[report.Phase]report.Checklist
	tallies    map[int64]*report.StationTally
	obs        map[int64]obsRef
	// codes interns category codes, so a million incidents share a few dozen strings.
	codes map[string]string
}

func newTallier(schema report.StatsSchema) *tallier {
	tl := &tallier{schema: schema, checklists: map[report.Phase]report.Checklist{},
		tallies: map[int64]*report.StationTally{}, obs: map[int64]obsRef{}, codes: map[string]string{}}
	for _, p := range report.Phases {
		tl.checklists[p] = schema.Checklist(p)
	}
	return tl
}

func (tl *tallier) station(id int64) *report.StationTally {
	t := tl.tallies[id]
	if t == nil {
		t = &report.StationTally{}
		tl.tallies[id] = t
	}
	return t
}

func (tl *tallier) intern(b []byte) string {
	if c, ok := tl.codes[string(b)]; ok {
		return c
	}
	c := string(b)
	tl.codes[c] = c
	return c
}

// tallyPhase and tallyStatus read the column bytes without allocating for known values.
func tallyPhase(b []byte) report.Phase {
	switch string(b) {
	case "opening":
		return report.PhaseOpening
	case "voting":
		return report.PhaseVoting
	case "counting":
		return report.PhaseCounting
	case "tabulation":
		return report.PhaseTabulation
	}
	return report.Phase(b)
}

func tallyStatus(b []byte) report.Status {
	switch string(b) {
	case "new":
		return report.StatusNew
	case "verified":
		return report.StatusVerified
	case "rejected":
		return report.StatusRejected
	}
	return report.Status(b)
}

// stationSel picks the stations a read covers: the ids, else the span [lo, hi)
// of ids, else all.
type stationSel struct {
	ids    []int64
	span   bool
	lo, hi int64
}

// tallyFilter builds the WHERE tail for a selection of stations and a time
// column's window. scan writes the station span so that SQLite reads the table
// through rather than looking each row up from the station index.
func tallyFilter(sel stationSel, timeCol string, window *report.TimeWindow, scan bool) (string, []any) {
	var b strings.Builder
	var args []any
	switch {
	case sel.ids != nil:
		b.WriteString(" AND station_id IN (")
		for i, id := range sel.ids {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('?')
			args = append(args, id)
		}
		b.WriteByte(')')
	case sel.span:
		col := "station_id"
		if scan {
			col = "+station_id"
		}
		b.WriteString(" AND " + col + " >= ? AND " + col + " < ?")
		args = append(args, sel.lo, sel.hi)
	}
	if window != nil {
		if window.From != nil {
			b.WriteString(" AND " + timeCol + " >= ?")
			args = append(args, fmtTime(*window.From))
		}
		if window.To != nil {
			b.WriteString(" AND " + timeCol + " < ?")
			args = append(args, fmtTime(*window.To))
		}
	}
	return b.String(), args
}

// read adds the rows of the selected stations to the tallies.
func (tl *tallier) read(ctx context.Context, tx *sql.Tx, electionID int64, sel stationSel, window *report.TimeWindow) error {
	if err := tl.readObservations(ctx, tx, electionID, sel, window); err != nil {
		return err
	}
	return tl.readIncidents(ctx, tx, electionID, sel, window)
}

func (tl *tallier) readObservations(ctx context.Context, tx *sql.Tx, electionID int64, sel stationSel, window *report.TimeWindow) error {
	where, args := tallyFilter(sel, "COALESCE(arrived_at, created_at)", window, true)
	// The unary plus keeps SQLite off the election-wide indexes: for a few stations
	// the station index is far better, and for a whole election one pass through the
	// table beats a lookup per row.
	rows, err := tx.QueryContext(ctx, `SELECT id, station_id, phase, assessment, answers, protocol FROM observations
		WHERE +election_id = ? AND state = 'submitted'`+where, append([]any{electionID}, args...)...)
	if err != nil {
		return fmt.Errorf("store: unable to read observations for statistics: %w", err)
	}
	return tl.addObservations(rows)
}

// addObservations counts the rows of a query of observations (id, station_id,
// phase, assessment, answers, protocol), and closes it.
func (tl *tallier) addObservations(rows *sql.Rows) error {
	defer rows.Close()
	var (
		id, station                        int64
		phase, assessment, answers, protoJ sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&id, &station, &phase, &assessment, &answers, &protoJ); err != nil {
			return fmt.Errorf("store: unable to read an observation for statistics: %w", err)
		}
		cl, ok := tl.checklists[tallyPhase(phase)]
		if !ok {
			continue
		}
		var given map[string]report.Answer
		if err := json.Unmarshal(answers, &given); err != nil {
			return fmt.Errorf("store: observation %d has unreadable answers: %w", id, err)
		}
		var proto *report.Protocol
		if cl.Phase == report.PhaseCounting && len(protoJ) > 0 && string(protoJ) != "null" {
			proto = &report.Protocol{}
			if err := json.Unmarshal(protoJ, proto); err != nil {
				return fmt.Errorf("store: observation %d has an unreadable protocol: %w", id, err)
			}
		}
		tl.station(station).AddObservation(cl, tallyAssessment(assessment), given, proto)
		tl.obs[id] = obsRef{station: station, phase: cl.Phase}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to read observations for statistics: %w", err)
	}
	return nil
}

func tallyAssessment(b []byte) report.Assessment {
	for _, a := range report.Assessments {
		if string(b) == string(a) {
			return a
		}
	}
	return ""
}

// withKey is one category on one observation.
type withKey struct {
	obs      int64
	category string
}

// readIncidents counts incidents, and the observations holding witnessed ones, in
// one pass in station order. A window applies to incidents as to forms, so a form
// in the window counts with the witnessed incidents of it that are in the window
// too; and only forms that were read (submitted, in the window) count, so a
// share's numerator is always drawn from its denominator.
func (tl *tallier) readIncidents(ctx context.Context, tx *sql.Tx, electionID int64, sel stationSel, window *report.TimeWindow) error {
	where, args := tallyFilter(sel, "occurred_at", window, false)
	rows, err := tx.QueryContext(ctx, `SELECT station_id, phase, category, status, witnessed, observation_id FROM incidents
		WHERE election_id = ?`+where+` ORDER BY station_id`, append([]any{electionID}, args...)...)
	if err != nil {
		return fmt.Errorf("store: unable to count incidents for statistics: %w", err)
	}
	defer rows.Close()
	var (
		station, cur            int64 = 0, -1
		phase, category, status sql.RawBytes
		witnessed               bool
		obs                     sql.NullInt64
		t                       *report.StationTally
		with                    = map[withKey]report.Status{} // best status per form and category
	)
	flush := func() {
		for k, best := range with {
			ref := tl.obs[k.obs]
			tl.station(ref.station).AddObservationWith(ref.phase, k.category, best)
		}
		clear(with)
	}
	for rows.Next() {
		if err := rows.Scan(&station, &phase, &category, &status, &witnessed, &obs); err != nil {
			return fmt.Errorf("store: unable to count incidents for statistics: %w", err)
		}
		if station != cur {
			flush()
			cur, t = station, tl.station(station)
		}
		cat, st := tl.intern(category), tallyStatus(status)
		t.AddIncidents(tallyPhase(phase), cat, st, 1)
		if !witnessed || !obs.Valid || (st != report.StatusNew && st != report.StatusVerified) {
			continue
		}
		// An incident counts for a form of its own station only: forms are then
		// complete within a station's rows, whichever range of stations is read.
		if ref, ok := tl.obs[obs.Int64]; !ok || ref.station != station {
			continue
		}
		k := withKey{obs.Int64, cat}
		if prev, ok := with[k]; !ok || prev == report.StatusNew {
			with[k] = st
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to count incidents for statistics: %w", err)
	}
	flush()
	return nil
}
