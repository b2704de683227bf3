package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"math"
	"runtime"
	"strings"
	"sync"

	"github.com/observerkz/observer/internal/report"
)

// StationsMeta lists the stations of an election with their region and district,
// for statistics scopes and breakdowns.
func (s *Store) StationsMeta(ctx context.Context, electionID int64) ([]report.StationMeta, error) {
	return s.stationsMeta(ctx, electionID, stationSel{})
}

// StationsMetaByID is StationsMeta for the given stations; those not of the
// election are left out.
func (s *Store) StationsMetaByID(ctx context.Context, electionID int64, stationIDs []int64) ([]report.StationMeta, error) {
	var out []report.StationMeta
	for start := 0; start < len(stationIDs); start += stationChunk {
		part, err := s.stationsMeta(ctx, electionID, stationSel{ids: stationIDs[start:min(start+stationChunk, len(stationIDs))]})
		if err != nil {
			return nil, err
		}
		out = append(out, part...)
	}
	return out, nil
}

func (s *Store) stationsMeta(ctx context.Context, electionID int64, sel stationSel) ([]report.StationMeta, error) {
	where, args := tallyFilter(sel, "", nil, false)
	rows, err := s.ro.QueryContext(ctx, `SELECT s.id, s.code, s.name, r.id, r.code, r.name,
		COALESCE(d.id, 0), COALESCE(d.code, ''), COALESCE(d.name, '')
		FROM stations s JOIN regions r ON r.id = s.region_id LEFT JOIN districts d ON d.id = s.district_id
		WHERE s.election_id = ?`+strings.ReplaceAll(where, "station_id", "s.id")+` ORDER BY s.id`, append([]any{electionID}, args...)...)
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
	return statsSchema(ctx, preparedReads{s}, electionID)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func statsSchema(ctx context.Context, db querier, electionID int64) (report.StatsSchema, error) {
	schema := report.StandardStatsSchema()
	rows, err := db.QueryContext(ctx, customQuestionsSQL, electionID)
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
			schema.Checklists[q.Phase] = cl.With(q) // a follow-up right after its parent
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return schema, fmt.Errorf("store: unable to read custom questions: %w", err)
	}

	retired := map[string]bool{}
	rows, err = db.QueryContext(ctx, retiredCategoriesSQL)
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

	rows, err = db.QueryContext(ctx, customCategoriesSQL)
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
// by occurred_at. Each station's rows are read in one snapshot of the database.
//
// A whole election is read in parallel, one range of station ids per core: the
// reading is CPU-bound, and a station never spans two ranges, so each station is
// still consistent (the cache re-reads any station written meanwhile).
func (s *Store) StationTallies(ctx context.Context, electionID int64, stationIDs []int64, window *report.TimeWindow) (map[int64]*report.StationTally, error) {
	if stationIDs != nil {
		return s.readTallies(ctx, electionID, stationSel{ids: stationIDs}, window)
	}
	parts := min(runtime.GOMAXPROCS(0), 4)
	var lo, hi int64
	if err := s.ro.QueryRowContext(ctx, `SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM stations WHERE election_id = ?`,
		electionID).Scan(&lo, &hi); err != nil {
		return nil, fmt.Errorf("store: unable to read the stations for statistics: %w", err)
	}
	if parts < 2 || hi-lo < 1000 {
		return s.readTallies(ctx, electionID, stationSel{}, window)
	}
	sels := make([]stationSel, parts)
	step := (hi - lo + int64(parts)) / int64(parts)
	for i := range sels {
		sels[i] = stationSel{span: true, lo: lo + int64(i)*step, hi: lo + int64(i+1)*step}
	}
	// The ends are open, so no row is missed whatever its station id.
	sels[0].lo, sels[parts-1].hi = math.MinInt64, math.MaxInt64
	results := make([]map[int64]*report.StationTally, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for i := range sels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = s.readTallies(ctx, electionID, sels[i], window)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	all := results[0]
	for _, r := range results[1:] {
		maps.Copy(all, r)
	}
	return all, nil
}

// readTallies reads the tallies of the selected stations in one read transaction.
func (s *Store) readTallies(ctx context.Context, electionID int64, sel stationSel, window *report.TimeWindow) (map[int64]*report.StationTally, error) {
	tx, err := s.ro.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: unable to start reading statistics: %w", err)
	}
	defer tx.Rollback()
	schema, err := statsSchema(ctx, tx, electionID)
	if err != nil {
		return nil, err
	}
	tl := newTallier(schema)
	for _, id := range sel.ids { // the given stations are present, even without data
		tl.station(id)
	}
	switch {
	case sel.ids == nil:
		if err := tl.read(ctx, tx, electionID, sel, window); err != nil {
			return nil, err
		}
	default:
		for start := 0; start < len(sel.ids); start += stationChunk {
			chunk := stationSel{ids: sel.ids[start:min(start+stationChunk, len(sel.ids))]}
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
