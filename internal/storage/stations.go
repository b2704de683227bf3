package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/observerkz/observer/internal/report"
)

// stationColumns are read by scanStation, in its order, with stationJoins.
const stationColumns = `s.id, s.election_id, s.code, s.name, s.region_id, r.code, r.name,
	COALESCE(s.district_id, 0), COALESCE(d.code, ''), COALESCE(d.name, ''), s.address,
	s.registered_voters, s.timezone, s.lat, s.lon`

const stationJoins = `FROM stations s
	JOIN regions r ON r.id = s.region_id
	LEFT JOIN districts d ON d.id = s.district_id`

func scanStation(sc scanner) (report.Station, error) {
	var st report.Station
	var voters sql.NullInt64
	var lat, lon sql.NullFloat64
	err := sc.Scan(&st.ID, &st.ElectionID, &st.Code, &st.Name, &st.RegionID, &st.RegionCode, &st.RegionName,
		&st.DistrictID, &st.DistrictCode, &st.DistrictName, &st.Address, &voters, &st.Timezone, &lat, &lon)
	if voters.Valid {
		st.RegisteredVoters = &voters.Int64
	}
	if lat.Valid && lon.Valid {
		st.Lat, st.Lon = &lat.Float64, &lon.Float64
	}
	return st, err
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryStations(ctx context.Context, db queryer, query string, args ...any) ([]report.Station, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list stations: %w", err)
	}
	defer rows.Close()
	var out []report.Station
	for rows.Next() {
		st, err := scanStation(rows)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read a station: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

func oneStation(row *sql.Row, what string) (report.Station, error) {
	st, err := scanStation(row)
	if errors.Is(err, sql.ErrNoRows) {
		return st, report.ErrNotFound
	}
	if err != nil {
		return st, fmt.Errorf("store: unable to read station %s: %w", what, err)
	}
	return st, nil
}

// Station returns one station (report.ErrNotFound when there is none).
func (s *Store) Station(ctx context.Context, id int64) (report.Station, error) {
	return oneStation(s.readRow(ctx, "SELECT "+stationColumns+" "+stationJoins+" WHERE s.id = ?", id), fmt.Sprint(id))
}

// StationByCode finds a station of an election by its exact code.
func (s *Store) StationByCode(ctx context.Context, electionID int64, code string) (report.Station, error) {
	return oneStation(s.readRow(ctx, "SELECT "+stationColumns+" "+stationJoins+
		" WHERE s.election_id = ? AND s.code = ?", electionID, code), code)
}

// StationByCodeTx finds a station inside a write (what the write sees, including its
// own changes).
func StationByCodeTx(tx *Tx, electionID int64, code string) (report.Station, error) {
	return oneStation(tx.QueryRow("SELECT "+stationColumns+" "+stationJoins+
		" WHERE s.election_id = ? AND s.code = ?", electionID, code), code)
}

// AssignedStations lists the stations of an election an observer is assigned to, by
// code.
func (s *Store) AssignedStations(ctx context.Context, observerID, electionID int64) ([]report.Station, error) {
	// CROSS JOIN keeps SQLite from walking the election's stations to find a
	// handful: an observer's assignments come first, by the assignments' key.
	return queryStations(ctx, preparedReads{s}, "SELECT "+stationColumns+` FROM assignments a
		CROSS JOIN stations s ON s.id = a.station_id
		JOIN regions r ON r.id = s.region_id
		LEFT JOIN districts d ON d.id = s.district_id
		WHERE a.observer_id = ? AND s.election_id = ? ORDER BY s.code`, observerID, electionID)
}

// ElectionStations lists every station of an election by code.
func (s *Store) ElectionStations(ctx context.Context, electionID int64) ([]report.Station, error) {
	return queryStations(ctx, s.ro, "SELECT "+stationColumns+" "+stationJoins+" WHERE s.election_id = ? ORDER BY s.code", electionID)
}

// SearchStations finds stations for the picker: codes starting with q first, then
// stations whose code, name or address contains q, at most limit in all.
func (s *Store) SearchStations(ctx context.Context, electionID int64, q string, limit int) ([]report.Station, error) {
	return s.SearchStationsIn(ctx, electionID, "", q, limit)
}

// SearchStationsIn is SearchStations within one region ("" for all), for a
// region-limited coordinator.
func (s *Store) SearchStationsIn(ctx context.Context, electionID int64, regionCode, q string, limit int) ([]report.Station, error) {
	q = strings.TrimSpace(q)
	if q == "" || limit <= 0 {
		return nil, nil
	}
	regionCond, regionArgs := "", []any{}
	if regionCode != "" {
		regionCond, regionArgs = " AND r.code = ?", []any{regionCode}
	}
	// Code prefixes are a range on the (election_id, code) index; codes are stored as
	// the commission writes them, so the upper- and lower-case forms of q are tried too.
	var out []report.Station
	seen := map[int64]bool{}
	for _, p := range uniq(q, strings.ToUpper(q), strings.ToLower(q)) {
		args := append([]any{electionID, p, p + string(utf8.MaxRune)}, regionArgs...)
		found, err := queryStations(ctx, s.ro, "SELECT "+stationColumns+" "+stationJoins+
			" WHERE s.election_id = ? AND s.code >= ? AND s.code < ?"+regionCond+" ORDER BY s.code LIMIT ?",
			append(args, limit)...)
		if err != nil {
			return nil, err
		}
		for _, st := range found {
			if !seen[st.ID] {
				seen[st.ID] = true
				out = append(out, st)
			}
		}
	}
	slices.SortFunc(out, func(a, b report.Station) int { return strings.Compare(a.Code, b.Code) })
	if len(out) >= limit {
		return out[:limit], nil
	}
	// Then a substring of the lower-cased code, name and address; at most one scan of
	// the election's stations, stopped by the LIMIT.
	args := append([]any{electionID, strings.ToLower(q)}, regionArgs...)
	found, err := queryStations(ctx, s.ro, "SELECT "+stationColumns+" "+stationJoins+
		" WHERE s.election_id = ? AND instr(s.search, ?) > 0"+regionCond+" ORDER BY s.code LIMIT ?",
		append(args, limit+len(out))...)
	if err != nil {
		return nil, err
	}
	for _, st := range found {
		if len(out) == limit {
			break
		}
		if !seen[st.ID] {
			seen[st.ID] = true
			out = append(out, st)
		}
	}
	return out, nil
}

func uniq(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// stationSearch is what the picker's substring search looks in.
func stationSearch(code, name, address string) string {
	return strings.ToLower(code + " " + name + " " + address)
}

// Regions lists an election's regions by name.
func (s *Store) Regions(ctx context.Context, electionID int64) ([]report.Region, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT id, election_id, code, name FROM regions WHERE election_id = ? ORDER BY name", electionID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list regions: %w", err)
	}
	defer rows.Close()
	var out []report.Region
	for rows.Next() {
		var r report.Region
		if err := rows.Scan(&r.ID, &r.ElectionID, &r.Code, &r.Name); err != nil {
			return nil, fmt.Errorf("store: unable to read a region: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RegionByCode finds a region of an election.
func (s *Store) RegionByCode(ctx context.Context, electionID int64, code string) (report.Region, error) {
	var r report.Region
	err := s.readRow(ctx, "SELECT id, election_id, code, name FROM regions WHERE election_id = ? AND code = ?",
		electionID, code).Scan(&r.ID, &r.ElectionID, &r.Code, &r.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return r, report.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("store: unable to read region %s: %w", code, err)
	}
	return r, nil
}

// Districts lists the districts of a region by name.
func (s *Store) Districts(ctx context.Context, regionID int64) ([]report.District, error) {
	rows, err := s.ro.QueryContext(ctx, "SELECT id, region_id, code, name FROM districts WHERE region_id = ? ORDER BY name", regionID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list districts: %w", err)
	}
	defer rows.Close()
	var out []report.District
	for rows.Next() {
		var d report.District
		if err := rows.Scan(&d.ID, &d.RegionID, &d.Code, &d.Name); err != nil {
			return nil, fmt.Errorf("store: unable to read a district: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RegionSummary is one region of an election with the size of what is in it.
type RegionSummary struct {
	Region           report.Region
	Districts        int
	Stations         int
	RegisteredVoters int64
}

// RegionSummaries lists an election's regions by name, with their district, station
// and voter counts (the admin's overview after an import).
func (s *Store) RegionSummaries(ctx context.Context, electionID int64) ([]RegionSummary, error) {
	rows, err := s.ro.QueryContext(ctx, `SELECT r.id, r.election_id, r.code, r.name,
		(SELECT COUNT(*) FROM districts d WHERE d.region_id = r.id),
		(SELECT COUNT(*) FROM stations s WHERE s.region_id = r.id),
		(SELECT COALESCE(SUM(s.registered_voters), 0) FROM stations s WHERE s.region_id = r.id)
		FROM regions r WHERE r.election_id = ? ORDER BY r.name`, electionID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to summarise regions: %w", err)
	}
	defer rows.Close()
	var out []RegionSummary
	for rows.Next() {
		var rs RegionSummary
		r := &rs.Region
		if err := rows.Scan(&r.ID, &r.ElectionID, &r.Code, &r.Name, &rs.Districts, &rs.Stations, &rs.RegisteredVoters); err != nil {
			return nil, fmt.Errorf("store: unable to read a region summary: %w", err)
		}
		out = append(out, rs)
	}
	return out, rows.Err()
}

// StationCounts are the sizes of an election's station list.
type StationCounts struct {
	Regions, Districts, Stations int
	RegisteredVoters             int64
}

// CountStations counts an election's regions, districts and stations.
func (s *Store) CountStations(ctx context.Context, electionID int64) (StationCounts, error) {
	var c StationCounts
	err := s.readRow(ctx, `SELECT
		(SELECT COUNT(*) FROM regions WHERE election_id = ?1),
		(SELECT COUNT(*) FROM districts d JOIN regions r ON r.id = d.region_id WHERE r.election_id = ?1),
		(SELECT COUNT(*) FROM stations WHERE election_id = ?1),
		(SELECT COALESCE(SUM(registered_voters), 0) FROM stations WHERE election_id = ?1)`, electionID).
		Scan(&c.Regions, &c.Districts, &c.Stations, &c.RegisteredVoters)
	if err != nil {
		return c, fmt.Errorf("store: unable to count stations: %w", err)
	}
	return c, nil
}
