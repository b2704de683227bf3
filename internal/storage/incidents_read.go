package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/observerkz/observer/internal/report"
)

// incidentColumns are read by scanIncident, in its order. The station's codes and
// names come along so lists and exports need no second query.
const incidentColumns = `i.id, i.election_id, i.client_id, i.station_id, i.phase, i.category, i.occurred_at,
	i.witnessed, i.description, COALESCE(i.observation_id, 0), COALESCE(i.observer_id, 0), COALESCE(o.code, ''),
	COALESCE(i.user_id, 0), i.status, COALESCE(vu.login, ''), i.verified_at, i.verification_note,
	(SELECT COUNT(*) FROM evidence e WHERE e.incident_id = i.id), i.created_at, i.updated_at,
	s.code, s.name, s.address, s.timezone, s.region_id, r.code, r.name, COALESCE(s.district_id, 0),
	COALESCE(d.code, ''), COALESCE(d.name, '')`

const incidentJoins = `FROM incidents i
	JOIN stations s ON s.id = i.station_id
	JOIN regions r ON r.id = s.region_id
	LEFT JOIN districts d ON d.id = s.district_id
	LEFT JOIN observers o ON o.id = i.observer_id
	LEFT JOIN users vu ON vu.id = i.verified_by`

type scanner interface{ Scan(dest ...any) error }

func scanIncident(sc scanner) (report.Incident, error) {
	var in report.Incident
	var occurred, created, updated string
	var verifiedAt sql.NullString
	var witnessed int
	err := sc.Scan(&in.ID, &in.ElectionID, &in.ClientID, &in.StationID, &in.Phase, &in.Category, &occurred,
		&witnessed, &in.Description, &in.ObservationID, &in.ObserverID, &in.ObserverCode,
		&in.UserID, &in.Status, &in.VerifiedBy, &verifiedAt, &in.VerificationNote,
		&in.EvidenceCount, &created, &updated,
		&in.Station.Code, &in.Station.Name, &in.Station.Address, &in.Station.Timezone, &in.Station.RegionID,
		&in.Station.RegionCode, &in.Station.RegionName, &in.Station.DistrictID, &in.Station.DistrictCode, &in.Station.DistrictName)
	if err != nil {
		return in, err
	}
	in.Witnessed = witnessed != 0
	in.OccurredAt, in.CreatedAt, in.UpdatedAt = parseTime(occurred), parseTime(created), parseTime(updated)
	in.VerifiedAt = parseTimePtr(verifiedAt)
	in.Station.ID, in.Station.ElectionID = in.StationID, in.ElectionID
	return in, nil
}

// incidentWhere turns a filter into a WHERE clause and its arguments.
func incidentWhere(f report.IncidentFilter) (string, []any) {
	var conds []string
	var args []any
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	if f.ElectionID != 0 {
		add("i.election_id = ?", f.ElectionID)
	}
	if f.RegionID != 0 {
		add("i.region_id = ?", f.RegionID)
	}
	if f.DistrictID != 0 {
		add("i.district_id = ?", f.DistrictID)
	}
	if f.StationID != 0 {
		add("i.station_id = ?", f.StationID)
	}
	if f.Phase != "" {
		add("i.phase = ?", string(f.Phase))
	}
	if f.Category != "" {
		add("i.category = ?", f.Category)
	}
	if len(f.Statuses) > 0 {
		ph := strings.Repeat("?,", len(f.Statuses))
		var a []any
		for _, s := range f.Statuses {
			a = append(a, string(s))
		}
		add("i.status IN ("+ph[:len(ph)-1]+")", a...)
	}
	if f.Witnessed != nil {
		add("i.witnessed = ?", boolInt(*f.Witnessed))
	}
	if f.Window.From != nil {
		add("i.occurred_at >= ?", fmtTime(*f.Window.From))
	}
	if f.Window.To != nil {
		add("i.occurred_at < ?", fmtTime(*f.Window.To))
	}
	if len(f.IDs) > 0 {
		ph := strings.Repeat("?,", len(f.IDs))
		var a []any
		for _, id := range f.IDs {
			a = append(a, id)
		}
		add("i.id IN ("+ph[:len(ph)-1]+")", a...)
	}
	if f.UserID != 0 {
		add("i.user_id = ?", f.UserID)
	}
	if f.LimitRegionCode != "" {
		// By region id rather than r.code, so the region indexes serve the list; within
		// one election by equality, which keeps their id order (no sorting).
		if f.ElectionID != 0 {
			add("i.region_id = (SELECT id FROM regions WHERE election_id = ? AND code = ?)", f.ElectionID, f.LimitRegionCode)
		} else {
			add("i.region_id IN (SELECT id FROM regions WHERE code = ?)", f.LimitRegionCode)
		}
	}
	if f.BeforeID != 0 {
		add("i.id < ?", f.BeforeID)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// IncidentByClientID finds an incident of the election by the client_id it was
// filed with (report.ErrNotFound when there is none).
func (s *Store) IncidentByClientID(ctx context.Context, electionID int64, clientID string) (report.Incident, error) {
	id, err := s.idByClientID(ctx, incidentSentSQL, electionID, clientID)
	if err != nil {
		return report.Incident{}, err
	}
	return s.Incident(ctx, id)
}

// Incident returns one incident, with report.ErrNotFound when it does not exist.
func (s *Store) Incident(ctx context.Context, id int64) (report.Incident, error) {
	row := s.readRow(ctx, "SELECT "+incidentColumns+" "+incidentJoins+" WHERE i.id = ?", id)
	in, err := scanIncident(row)
	if errors.Is(err, sql.ErrNoRows) {
		return in, report.ErrNotFound
	}
	if err != nil {
		return in, fmt.Errorf("store: unable to read incident %d: %w", id, err)
	}
	return in, nil
}

// Incidents lists incidents matching f, newest first. With f.Limit, pass the last
// id seen as f.BeforeID to get the next page: keyset paging stays fast at any depth.
func (s *Store) Incidents(ctx context.Context, f report.IncidentFilter) ([]report.Incident, error) {
	var out []report.Incident
	err := s.EachIncident(ctx, f, func(in report.Incident) error {
		out = append(out, in)
		return nil
	})
	return out, err
}

// EachIncident streams incidents matching f, newest first, without holding them all.
func (s *Store) EachIncident(ctx context.Context, f report.IncidentFilter, fn func(report.Incident) error) error {
	where, args := incidentWhere(f)
	q := "SELECT " + incidentColumns + " " + incidentJoins + where + " ORDER BY i.id DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.ro.QueryContext(ctx, q, args...)
	return eachIncident(rows, err, fn)
}

// eachIncident calls fn with each incident a query of incidentColumns returned (err
// being the query's).
func eachIncident(rows *sql.Rows, err error, fn func(report.Incident) error) error {
	if err != nil {
		return fmt.Errorf("store: unable to list incidents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			return fmt.Errorf("store: unable to read an incident: %w", err)
		}
		if err := fn(in); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to list incidents: %w", err)
	}
	return nil
}

// CountIncidents counts incidents matching f (ignoring paging).
func (s *Store) CountIncidents(ctx context.Context, f report.IncidentFilter) (int, error) {
	f.BeforeID, f.Limit = 0, 0
	where, args := incidentWhere(f)
	var n int
	// The filter names only incident columns: counting needs no joins, and an index
	// alone answers it.
	q := "SELECT COUNT(*) FROM incidents i" + where
	if err := s.ro.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unable to count incidents: %w", err)
	}
	return n, nil
}

// EvidenceOf lists an incident's evidence files, oldest first.
func (s *Store) EvidenceOf(ctx context.Context, incidentID int64) ([]report.Evidence, error) {
	return evidenceOf(ctx, s.ro, incidentID)
}

// evidenceOf reads an incident's files through q: the live pool, or a pack's snapshot.
func evidenceOf(ctx context.Context, q querier, incidentID int64) ([]report.Evidence, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, incident_id, sha256, size, mime, original_name, COALESCE(uploaded_by, 0), created_at
		FROM evidence WHERE incident_id = ? ORDER BY id`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list evidence of incident %d: %w", incidentID, err)
	}
	defer rows.Close()
	var out []report.Evidence
	for rows.Next() {
		var e report.Evidence
		var created string
		if err := rows.Scan(&e.ID, &e.IncidentID, &e.SHA256, &e.Size, &e.MIME, &e.OriginalName, &e.UploadedBy, &created); err != nil {
			return nil, fmt.Errorf("store: unable to read evidence: %w", err)
		}
		e.CreatedAt = parseTime(created)
		out = append(out, e)
	}
	return out, rows.Err()
}
