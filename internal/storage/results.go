package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/results"
)

// ImportResults stores a parsed results file as a new version of el's results, in
// one transaction with one audit entry. Stations must exist unless addStations,
// which creates the missing ones in the region (and district) their row names.
// Anything wrong (an unknown station, a label already used) is returned as
// results.CSVErrors and nothing is written.
func (s *Store) ImportResults(ctx context.Context, el report.Election, v results.Version, t *results.Table, addStations bool, actor report.User) (results.Version, error) {
	if !results.ValidLabel(v.Label) {
		return v, results.CSVErrors{{Key: "results.label_invalid"}}
	}
	v.ElectionID, v.Candidates, v.Stations, v.CreatedBy = el.ID, t.Candidates, len(t.Rows), actor.ID
	err := s.Write(ctx, func(tx *Tx) error {
		var taken int
		if err := tx.queryRow("SELECT count(*) FROM result_versions WHERE election_id = ? AND label = ?", el.ID, v.Label).Scan(&taken); err != nil {
			return fmt.Errorf("store: unable to check the results label: %w", err)
		}
		if taken > 0 {
			return results.CSVErrors{{Key: "results.label_taken", Args: []any{"Label", v.Label}}}
		}
		ids, err := resultStations(tx, el, t, addStations)
		if err != nil {
			return err
		}
		cands, _ := json.Marshal(t.Candidates)
		v.CreatedAt = tx.Now()
		res, err := tx.exec(`INSERT INTO result_versions(election_id, label, source, candidates, stations, sha256, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, el.ID, v.Label, v.Source, string(cands), v.Stations, v.SHA256, actor.ID, fmtTime(v.CreatedAt))
		if err != nil {
			return fmt.Errorf("store: unable to add the results version: %w", err)
		}
		if v.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("store: unable to add the results version: %w", err)
		}
		ins, err := tx.tx.PrepareContext(tx.ctx, `INSERT INTO results(version_id, station_id, registered_voters, ballots_issued,
			ballots_valid, ballots_invalid, ballots_received, ballots_cancelled, ballots_mobile, ballots_stationary, votes)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("store: unable to prepare the results import: %w", err)
		}
		defer ins.Close()
		var votes []byte
		for i, r := range t.Rows {
			votes = appendVotes(votes[:0], r.Votes)
			if _, err := ins.ExecContext(tx.ctx, v.ID, ids[i], r.Registered, r.Issued, r.Valid, r.Invalid,
				nullable(r.BallotsReceived), nullable(r.Cancelled), nullable(r.Mobile), nullable(r.Stationary), string(votes)); err != nil {
				return fmt.Errorf("store: unable to add the result of station %s: %w", r.Station, err)
			}
		}
		after, _ := json.Marshal(map[string]any{"label": v.Label, "source": v.Source, "stations": v.Stations,
			"candidates": t.Candidates, "sha256": v.SHA256})
		return tx.Audit(report.AuditEntry{ActorID: actor.ID, Actor: actorName(actor), Action: report.AuditImport,
			Entity: "results", EntityID: fmt.Sprint(v.ID), ElectionID: el.ID, After: string(after)})
	})
	return v, err
}

func nullable(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func appendVotes(b []byte, votes []int64) []byte {
	b = append(b, '[')
	for i, v := range votes {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "%d", v)
	}
	return append(b, ']')
}

// resultStations finds each row's station id, creating the missing ones when asked.
func resultStations(tx *Tx, el report.Election, t *results.Table, add bool) ([]int64, error) {
	im := &importer{tx: tx, el: el, regions: map[string]area{}, districts: map[districtKey]area{}, stations: map[string]stationRow{}}
	if err := im.load(); err != nil {
		return nil, err
	}
	// Codes are matched as written, then without case (a commission's file may
	// write "pec-12" for "PEC-12").
	folded := make(map[string]int64, len(im.stations))
	for code, st := range im.stations {
		folded[strings.ToLower(code)] = st.id
	}
	ids := make([]int64, len(t.Rows))
	var errs results.CSVErrors
	var missing []int
	for i, r := range t.Rows {
		if st, ok := im.stations[r.Station]; ok {
			ids[i] = st.id
		} else if id, ok := folded[strings.ToLower(r.Station)]; ok {
			ids[i] = id
		} else if !add {
			errs = append(errs, results.CSVError{Line: r.Line, Column: "station", Key: "results.csv_unknown_station", Args: []any{"Code", r.Station}})
		} else {
			missing = append(missing, i)
		}
		if len(errs) >= 200 {
			break
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if len(missing) == 0 {
		return ids, nil
	}
	recs := make([]report.StationRecord, len(missing))
	for j, i := range missing {
		r := t.Rows[i]
		voters := r.Registered
		recs[j] = report.StationRecord{Line: r.Line, Code: r.Station, Region: r.Region, District: r.District, RegisteredVoters: &voters}
	}
	if verrs := report.ValidateStations(recs); len(verrs) > 0 {
		for _, e := range verrs {
			errs = append(errs, results.CSVError{Line: e.Line, Column: e.Column, Key: e.Key, Args: e.Args})
		}
		return nil, errs
	}
	for j, i := range missing {
		want, err := im.row(recs[j])
		if err != nil {
			return nil, err
		}
		res, err := tx.exec(`INSERT INTO stations(election_id, code, name, region_id, district_id, registered_voters, search)
			VALUES (?, ?, '', ?, ?, ?, ?)`, el.ID, recs[j].Code, want.regionID, want.districtID, want.voters, want.search)
		if err != nil {
			return nil, fmt.Errorf("store: unable to add station %s: %w", recs[j].Code, err)
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return nil, fmt.Errorf("store: unable to add station %s: %w", recs[j].Code, err)
		}
	}
	after, _ := json.Marshal(map[string]int{"added": len(missing), "regions_added": im.added.regions, "districts_added": im.added.districts})
	return ids, tx.Audit(report.AuditEntry{Action: report.AuditImport, Actor: "results import",
		Entity: "stations", EntityID: el.Code, ElectionID: el.ID, After: string(after)})
}

const versionColumns = "id, election_id, label, source, candidates, stations, sha256, created_by, created_at"

func scanVersion(sc scanner) (results.Version, error) {
	var v results.Version
	var cands, at string
	if err := sc.Scan(&v.ID, &v.ElectionID, &v.Label, &v.Source, &cands, &v.Stations, &v.SHA256, &v.CreatedBy, &at); err != nil {
		return v, err
	}
	v.CreatedAt = parseTime(at)
	if err := json.Unmarshal([]byte(cands), &v.Candidates); err != nil {
		return v, fmt.Errorf("store: results version %d has unreadable candidates: %w", v.ID, err)
	}
	return v, nil
}

// ResultVersions lists an election's results versions, the latest first.
func (s *Store) ResultVersions(ctx context.Context, electionID int64) ([]results.Version, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT "+versionColumns+" FROM result_versions WHERE election_id = ? ORDER BY id DESC", electionID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list results versions: %w", err)
	}
	defer rows.Close()
	var out []results.Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read a results version: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

const resultColumns = `res.station_id, s.code, r.code, res.registered_voters, res.ballots_issued, res.ballots_valid,
	res.ballots_invalid, res.ballots_received, res.ballots_cancelled, res.ballots_mobile, res.ballots_stationary, res.votes`

func scanResult(sc scanner) (results.StationRow, error) {
	var r results.StationRow
	var rec, canc, mob, stat sql.NullInt64
	var votes []byte
	if err := sc.Scan(&r.StationID, &r.Station, &r.RegionCode, &r.Registered, &r.Issued, &r.Valid, &r.Invalid,
		&rec, &canc, &mob, &stat, &votes); err != nil {
		return r, err
	}
	for _, p := range []struct {
		n   sql.NullInt64
		dst **int64
	}{{rec, &r.BallotsReceived}, {canc, &r.Cancelled}, {mob, &r.Mobile}, {stat, &r.Stationary}} {
		if p.n.Valid {
			v := p.n.Int64
			*p.dst = &v
		}
	}
	if err := json.Unmarshal(votes, &r.Votes); err != nil {
		return r, fmt.Errorf("unreadable votes of station %s: %w", r.Station, err)
	}
	return r, nil
}

// ResultSet reads one version's results, optionally of one region only.
func (s *Store) ResultSet(ctx context.Context, v results.Version, region string) (*results.Set, error) {
	set := &results.Set{Version: v, RegionNames: map[string]string{}}
	regions, err := s.ro.QueryContext(ctx, "SELECT code, name FROM regions WHERE election_id = ?", v.ElectionID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read regions: %w", err)
	}
	for regions.Next() {
		var code, name string
		if err := regions.Scan(&code, &name); err != nil {
			regions.Close()
			return nil, fmt.Errorf("store: unable to read a region: %w", err)
		}
		set.RegionNames[code] = name
	}
	regions.Close()
	q := "SELECT " + resultColumns + ` FROM results res JOIN stations s ON s.id = res.station_id
		JOIN regions r ON r.id = s.region_id WHERE res.version_id = ?`
	args := []any{v.ID}
	if region != "" {
		q += " AND r.code = ?"
		args = append(args, region)
	}
	rows, err := s.ro.QueryContext(ctx, q+" ORDER BY s.code", args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read results: %w", err)
	}
	defer rows.Close()
	set.Rows = make([]results.StationRow, 0, v.Stations)
	for rows.Next() {
		r, err := scanResult(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read a result: %w", err)
		}
		set.Rows = append(set.Rows, r)
	}
	return set, rows.Err()
}

// StationResults is a station's official result in every version that has one,
// the latest version first.
func (s *Store) StationResults(ctx context.Context, stationID int64) ([]results.Version, []results.StationRow, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT "+prefixed("v.", versionColumns)+", "+resultColumns+`
		FROM results res JOIN result_versions v ON v.id = res.version_id JOIN stations s ON s.id = res.station_id
		JOIN regions r ON r.id = s.region_id WHERE res.station_id = ? ORDER BY v.id DESC`, stationID)
	if err != nil {
		return nil, nil, fmt.Errorf("store: unable to read the station's results: %w", err)
	}
	defer rows.Close()
	var vs []results.Version
	var out []results.StationRow
	for rows.Next() {
		var v results.Version
		var r results.StationRow
		var cands, at string
		var rec, canc, mob, stat sql.NullInt64
		var votes []byte
		if err := rows.Scan(&v.ID, &v.ElectionID, &v.Label, &v.Source, &cands, &v.Stations, &v.SHA256, &v.CreatedBy, &at,
			&r.StationID, &r.Station, &r.RegionCode, &r.Registered, &r.Issued, &r.Valid, &r.Invalid, &rec, &canc, &mob, &stat, &votes); err != nil {
			return nil, nil, fmt.Errorf("store: unable to read a station's result: %w", err)
		}
		v.CreatedAt = parseTime(at)
		if json.Unmarshal([]byte(cands), &v.Candidates) != nil || json.Unmarshal(votes, &r.Votes) != nil {
			return nil, nil, errors.New("store: a station's result is unreadable")
		}
		for _, p := range []struct {
			n   sql.NullInt64
			dst **int64
		}{{rec, &r.BallotsReceived}, {canc, &r.Cancelled}, {mob, &r.Mobile}, {stat, &r.Stationary}} {
			if p.n.Valid {
				x := p.n.Int64
				*p.dst = &x
			}
		}
		vs = append(vs, v)
		out = append(out, r)
	}
	return vs, out, rows.Err()
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}

// CountingProtocols lists the submitted counting observations that carry protocol
// figures, optionally in one region, for the comparison with official results.
func (s *Store) CountingProtocols(ctx context.Context, electionID int64, region string) ([]results.Observation, error) {
	q := `SELECT o.id, s.code, r.code, o.protocol FROM observations o JOIN stations s ON s.id = o.station_id
		JOIN regions r ON r.id = o.region_id
		WHERE o.election_id = ? AND o.phase = 'counting' AND o.state = 'submitted' AND o.protocol IS NOT NULL`
	args := []any{electionID}
	if region != "" {
		q += " AND r.code = ?"
		args = append(args, region)
	}
	rows, err := s.ro.QueryContext(ctx, q+" ORDER BY o.id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the protocol figures: %w", err)
	}
	defer rows.Close()
	var out []results.Observation
	for rows.Next() {
		var o results.Observation
		var proto []byte
		if err := rows.Scan(&o.ID, &o.Station, &o.Region, &proto); err != nil {
			return nil, fmt.Errorf("store: unable to read a protocol: %w", err)
		}
		var p report.Protocol
		if err := json.Unmarshal(proto, &p); err != nil {
			return nil, fmt.Errorf("store: observation %d has unreadable protocol figures: %w", o.ID, err)
		}
		o.Protocol = &p
		out = append(out, o)
	}
	return out, rows.Err()
}
