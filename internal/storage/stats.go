package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/observerkz/observer/internal/report"
)

// StationsMeta lists the stations of an election with their region and district,
// for statistics scopes and breakdowns.
func (s *Store) StationsMeta(ctx context.Context, electionID int64) ([]report.StationMeta, error) {
	rows, err := s.ro.QueryContext(ctx, `SELECT s.id, s.code, s.name, r.id, r.code, r.name,
		COALESCE(d.id, 0), COALESCE(d.code, ''), COALESCE(d.name, '')
		FROM stations s JOIN regions r ON r.id = s.region_id LEFT JOIN districts d ON d.id = s.district_id
		WHERE s.election_id = ? ORDER BY s.id`, electionID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list stations for statistics: %w", err)
	}
	defer rows.Close()
	var out []report.StationMeta
	for rows.Next() {
		var m report.StationMeta
		if err := rows.Scan(&m.ID, &m.Code, &m.Name, &m.RegionID, &m.RegionCode, &m.RegionName,
			&m.DistrictID, &m.DistrictCode, &m.DistrictName); err != nil {
			return nil, fmt.Errorf("store: unable to read a station for statistics: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: unable to list stations for statistics: %w", err)
	}
	return out, nil
}

// StatsSchema returns the election's checklists (standard and custom questions)
// and categories (standard and custom, retired ones marked).
func (s *Store) StatsSchema(ctx context.Context, electionID int64) (report.StatsSchema, error) {
	return statsSchema(ctx, s.ro, electionID)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func statsSchema(ctx context.Context, db querier, electionID int64) (report.StatsSchema, error) {
	schema := report.StandardStatsSchema()
	rows, err := db.QueryContext(ctx, `SELECT code, phase, problem, parent, trig FROM custom_questions
		WHERE election_id = ? ORDER BY position, code`, electionID)
	if err != nil {
		return schema, fmt.Errorf("store: unable to read custom questions: %w", err)
	}
	for rows.Next() {
		var q report.Question
		var phase, problem, trig string
		if err := rows.Scan(&q.Code, &phase, &problem, &q.Parent, &trig); err != nil {
			rows.Close()
			return schema, fmt.Errorf("store: unable to read a custom question: %w", err)
		}
		q.Phase, q.Problem, q.Trigger = report.Phase(phase), report.Answer(problem), report.Answer(trig)
		cl, ok := schema.Checklists[q.Phase]
		if !ok {
			continue
		}
		if _, dup := cl.Question(q.Code); !dup {
			cl.Questions = append(cl.Questions, q)
			schema.Checklists[q.Phase] = cl
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return schema, fmt.Errorf("store: unable to read custom questions: %w", err)
	}

	retired := map[string]bool{}
	rows, err = db.QueryContext(ctx, `SELECT code FROM retired_categories`)
	if err != nil {
		return schema, fmt.Errorf("store: unable to read retired categories: %w", err)
	}
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			rows.Close()
			return schema, fmt.Errorf("store: unable to read a retired category: %w", err)
		}
		retired[code] = true
	}
	rows.Close()
	for i := range schema.Categories {
		schema.Categories[i].Retired = schema.Categories[i].Retired || retired[schema.Categories[i].Code]
	}

	rows, err = db.QueryContext(ctx, `SELECT code, phase, retired_at IS NOT NULL FROM custom_categories ORDER BY created_at, code`)
	if err != nil {
		return schema, fmt.Errorf("store: unable to read custom categories: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c report.Category
		var phase string
		if err := rows.Scan(&c.Code, &phase, &c.Retired); err != nil {
			return schema, fmt.Errorf("store: unable to read a custom category: %w", err)
		}
		c.Phase = report.Phase(phase)
		if _, std := report.CategoryByCode(c.Code); !std {
			schema.Categories = append(schema.Categories, c)
		}
	}
	if err := rows.Err(); err != nil {
		return schema, fmt.Errorf("store: unable to read custom categories: %w", err)
	}
	return schema, nil
}

// stationChunk bounds the station ids bound into one query.
const stationChunk = 500

// StationTallies counts, per station, the submitted observations and the incidents
// of an election: stationIDs nil for every station with data (stations without
// data are then absent), else the given ones (each present, empty when without
// data). window narrows observations by arrived_at (else created_at) and incidents
// by occurred_at. All reads of one call see one snapshot of the database.
func (s *Store) StationTallies(ctx context.Context, electionID int64, stationIDs []int64, window *report.TimeWindow) (map[int64]*report.StationTally, error) {
	tx, err := s.ro.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: unable to start reading statistics: %w", err)
	}
	defer tx.Rollback()
	schema, err := statsSchema(ctx, tx, electionID)
	if err != nil {
		return nil, err
	}
	tl := &tallier{schema: schema, tallies: map[int64]*report.StationTally{}, obs: map[int64]obsRef{},
		codes: map[string]string{}}
	if stationIDs == nil {
		if err := tl.read(ctx, tx, electionID, nil, window); err != nil {
			return nil, err
		}
	} else {
		for _, id := range stationIDs {
			tl.station(id)
		}
		for start := 0; start < len(stationIDs); start += stationChunk {
			chunk := stationIDs[start:min(start+stationChunk, len(stationIDs))]
			if err := tl.read(ctx, tx, electionID, chunk, window); err != nil {
				return nil, err
			}
			clear(tl.obs)
		}
	}
	for _, t := range tl.tallies {
		t.Finish()
	}
	return tl.tallies, nil
}

// obsRef is where an observation is counted, for its incidents.
type obsRef struct {
	station int64
	phase   report.Phase
}

type tallier struct {
	schema  report.StatsSchema
	tallies map[int64]*report.StationTally
	obs     map[int64]obsRef
	// codes interns category codes, so a million incidents share a few dozen strings.
	codes map[string]string
}

func (tl *tallier) station(id int64) *report.StationTally {
	t := tl.tallies[id]
	if t == nil {
		t = &report.StationTally{}
		tl.tallies[id] = t
	}
	return t
}

func (tl *tallier) intern(s string) string {
	if c, ok := tl.codes[s]; ok {
		return c
	}
	tl.codes[s] = s
	return s
}

// filter builds the WHERE tail for a station list and a time column's window.
func filter(stations []int64, timeCol string, window *report.TimeWindow) (string, []any) {
	var b strings.Builder
	var args []any
	if stations != nil {
		b.WriteString(" AND station_id IN (")
		for i, id := range stations {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('?')
			args = append(args, id)
		}
		b.WriteByte(')')
	}
	if window != nil && timeCol != "" {
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

// read adds the rows of the given stations (nil: all) to the tallies.
func (tl *tallier) read(ctx context.Context, tx *sql.Tx, electionID int64, stations []int64, window *report.TimeWindow) error {
	if err := tl.readObservations(ctx, tx, electionID, stations, window); err != nil {
		return err
	}
	if err := tl.readIncidents(ctx, tx, electionID, stations, window); err != nil {
		return err
	}
	return tl.readObservationsWith(ctx, tx, electionID, stations)
}

func (tl *tallier) readObservations(ctx context.Context, tx *sql.Tx, electionID int64, stations []int64, window *report.TimeWindow) error {
	where, args := filter(stations, "COALESCE(arrived_at, created_at)", window)
	election := "election_id = ?"
	if stations != nil {
		// The unary plus keeps SQLite from preferring an election-wide index to the
		// station index for a handful of stations.
		election = "+election_id = ?"
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, station_id, phase, assessment, answers, protocol FROM observations
		WHERE `+election+` AND state = 'submitted'`+where, append([]any{electionID}, args...)...)
	if err != nil {
		return fmt.Errorf("store: unable to read observations for statistics: %w", err)
	}
	defer rows.Close()
	checklists := make(map[report.Phase]report.Checklist, len(report.Phases))
	for _, p := range report.Phases {
		checklists[p] = tl.schema.Checklist(p)
	}
	var (
		id, station             int64
		phase, assessment, ansJ string
		protoJ                  sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&id, &station, &phase, &assessment, &ansJ, &protoJ); err != nil {
			return fmt.Errorf("store: unable to read an observation for statistics: %w", err)
		}
		cl, ok := checklists[report.Phase(phase)]
		if !ok {
			continue
		}
		var answers map[string]report.Answer
		if err := json.Unmarshal([]byte(ansJ), &answers); err != nil {
			return fmt.Errorf("store: observation %d has unreadable answers: %w", id, err)
		}
		var proto *report.Protocol
		if cl.Phase == report.PhaseCounting && len(protoJ) > 0 && string(protoJ) != "null" {
			proto = &report.Protocol{}
			if err := json.Unmarshal(protoJ, proto); err != nil {
				return fmt.Errorf("store: observation %d has an unreadable protocol: %w", id, err)
			}
		}
		tl.station(station).AddObservation(cl, report.Assessment(assessment), answers, proto)
		tl.obs[id] = obsRef{station: station, phase: cl.Phase}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to read observations for statistics: %w", err)
	}
	return nil
}

func (tl *tallier) readIncidents(ctx context.Context, tx *sql.Tx, electionID int64, stations []int64, window *report.TimeWindow) error {
	where, args := filter(stations, "occurred_at", window)
	rows, err := tx.QueryContext(ctx, `SELECT station_id, phase, category, status, COUNT(*) FROM incidents
		WHERE election_id = ?`+where+` GROUP BY station_id, phase, category, status`, append([]any{electionID}, args...)...)
	if err != nil {
		return fmt.Errorf("store: unable to count incidents for statistics: %w", err)
	}
	defer rows.Close()
	var (
		station                 int64
		phase, category, status string
		n                       int
	)
	for rows.Next() {
		if err := rows.Scan(&station, &phase, &category, &status, &n); err != nil {
			return fmt.Errorf("store: unable to count incidents for statistics: %w", err)
		}
		tl.station(station).AddIncidents(report.Phase(phase), tl.intern(category), report.Status(status), n)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to count incidents for statistics: %w", err)
	}
	return nil
}

// readObservationsWith counts observations holding witnessed incidents, per
// category. The observation must have been read (submitted, in the window): the
// share's numerator is drawn from its denominator. An incident belongs to the
// visit it is attached to, so its own time is not filtered again.
func (tl *tallier) readObservationsWith(ctx context.Context, tx *sql.Tx, electionID int64, stations []int64) error {
	query := `SELECT observation_id, category, MIN(CASE status WHEN 'verified' THEN 0 WHEN 'new' THEN 1 ELSE 2 END)
		FROM incidents WHERE election_id = ? AND witnessed = 1 AND observation_id IS NOT NULL
		GROUP BY observation_id, category`
	args := []any{electionID}
	if stations != nil {
		// For a few stations, go through their observations rather than the
		// election's witnessed incidents.
		where, sargs := filter(stations, "", nil)
		query = `SELECT i.observation_id, i.category, MIN(CASE i.status WHEN 'verified' THEN 0 WHEN 'new' THEN 1 ELSE 2 END)
			FROM observations o JOIN incidents i ON i.observation_id = o.id
			WHERE +o.election_id = ?` + strings.ReplaceAll(where, "station_id", "o.station_id") + ` AND i.witnessed = 1
			GROUP BY i.observation_id, i.category`
		args = append(args, sargs...)
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: unable to count observations with incidents: %w", err)
	}
	defer rows.Close()
	best := []report.Status{report.StatusVerified, report.StatusNew, report.StatusRejected}
	var (
		obsID    int64
		category string
		rank     int
	)
	for rows.Next() {
		if err := rows.Scan(&obsID, &category, &rank); err != nil {
			return fmt.Errorf("store: unable to count observations with incidents: %w", err)
		}
		ref, ok := tl.obs[obsID]
		if !ok || rank < 0 || rank >= len(best) {
			continue
		}
		tl.station(ref.station).AddObservationWith(ref.phase, tl.intern(category), best[rank])
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to count observations with incidents: %w", err)
	}
	return nil
}
