package storage

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// BenchmarkIncidentList measures what the coordinator's incident list asks of the
// database for one page (the page of 50 and the total count) among 1,000,000
// incidents at 10,000 stations in 20 regions: the first page and a deep page, with
// and without a region and status filter, and for a region-limited coordinator.
//
//	go test ./internal/storage -run '^$' -bench BenchmarkIncidentList -benchtime 20x
func BenchmarkIncidentList(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	s, err := Open(ctx, Options{Path: filepath.Join(dir, "big.db"), DataDir: filepath.Join(dir, "data"), Synchronous: "NORMAL"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	var election int64
	err = s.Write(ctx, func(tx *Tx) error { return bulkIncidents(tx, &election, 20, 10_000, 1_000_000) })
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("1,000,000 incidents built in %v", time.Since(start).Round(time.Millisecond))
	var region int64
	s.ro.QueryRow("SELECT id FROM regions WHERE code = 'R05'").Scan(&region)
	verified := []report.Status{report.StatusVerified}

	// One page as web/incidents_list.go asks for it: 51 rows (the 51st says whether
	// there is an older page), the total, and on deeper pages the newer page's start.
	page := func(b *testing.B, f report.IncidentFilter) {
		f.ElectionID = election
		for i := 0; i < b.N; i++ {
			f.Limit = 51
			list, err := s.Incidents(ctx, f)
			if err != nil || len(list) == 0 {
				b.Fatalf("%d incidents, %v", len(list), err)
			}
			if _, _, err := s.CountIncidentsUpTo(ctx, f, 100_000); err != nil {
				b.Fatal(err)
			}
			f.Limit = 50
			if _, _, err := s.NewerPage(ctx, f); err != nil {
				b.Fatal(err)
			}
		}
	}
	// A deep page: the next page after 90% of the matching incidents.
	deep := func(f report.IncidentFilter) report.IncidentFilter {
		f.ElectionID = election
		n, _ := s.CountIncidents(ctx, f)
		f.Limit = n * 9 / 10
		var last int64
		s.EachIncident(ctx, f, func(in report.Incident) error { last = in.ID; return nil })
		f.BeforeID, f.Limit = last, 0
		return f
	}
	byRegion := report.IncidentFilter{RegionID: region, Statuses: verified}
	limited := report.IncidentFilter{LimitRegionCode: "R05", Statuses: verified}
	// Found before timing: finding a deep page reads most of the list.
	allDeep, byRegionDeep, limitedDeep := deep(report.IncidentFilter{}), deep(byRegion), deep(limited)
	b.Run("all/first", func(b *testing.B) { page(b, report.IncidentFilter{}) })
	b.Run("all/deep", func(b *testing.B) { page(b, allDeep) })
	b.Run("region+status/first", func(b *testing.B) { page(b, byRegion) })
	b.Run("region+status/deep", func(b *testing.B) { page(b, byRegionDeep) })
	b.Run("limited-region+status/first", func(b *testing.B) { page(b, limited) })
	b.Run("limited-region+status/deep", func(b *testing.B) { page(b, limitedDeep) })
}

// bulkIncidents fills an election with regions, stations and incidents in a few
// INSERT … SELECT statements over a counter (seconds, where a loop of inserts would
// take minutes).
func bulkIncidents(tx *Tx, election *int64, regions, stations, incidents int) error {
	now := fmtTime(tx.Now())
	// A large page cache for the build: a million rows into a dozen indexes.
	if _, err := tx.exec("PRAGMA cache_size = -262144"); err != nil {
		return err
	}
	res, err := tx.exec(`INSERT INTO elections(code, name, date, created_at) VALUES ('kz-bench', 'Bench', '2026-03-15', ?)`, now)
	if err != nil {
		return err
	}
	*election, _ = res.LastInsertId()
	steps := []struct {
		q    string
		args []any
	}{
		{`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO regions(election_id, code, name) SELECT ?, printf('R%02d', i), printf('Region %d', i) FROM n`,
			[]any{regions, *election}},
		{`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
			INSERT INTO stations(election_id, code, name, region_id, timezone)
			SELECT ?, printf('%06d', i), printf('Station %d', i),
				(SELECT id FROM regions WHERE election_id = ? AND code = printf('R%02d', i % ? + 1)), 'Asia/Almaty' FROM n`,
			[]any{stations, *election, *election, regions}},
		// Incident i is at station (i·7919 mod stations), which spreads each station's
		// incidents over the day; statuses: 7 in 10 new, 2 verified, 1 rejected.
		{`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
			INSERT INTO incidents(election_id, client_id, content_hash, station_id, region_id, phase, category, occurred_at,
				witnessed, description, status, created_at, updated_at)
			SELECT ?, 'bench-' || i, 'h', first.id + (i * 7919) % ?, first.region + ((i * 7919) % ?) % ?,
				CASE i % 3 WHEN 0 THEN 'opening' WHEN 1 THEN 'voting' ELSE 'counting' END,
				CASE i % 4 WHEN 0 THEN 'ballot_stuffing' WHEN 1 THEN 'carousel_voting' WHEN 2 THEN 'observer_obstructed' ELSE 'protocol_not_posted' END,
				strftime('%Y-%m-%dT%H:%M:%fZ', '2026-03-15T01:00:00Z', '+' || (i * 57 / ?) || ' seconds'),
				i % 2, 'bench incident',
				CASE WHEN (i / 3) % 10 < 7 THEN 'new' WHEN (i / 3) % 10 < 9 THEN 'verified' ELSE 'rejected' END, ?, ?
			FROM n, (SELECT MIN(s.id) AS id, MIN(r.id) AS region FROM stations s, regions r
				WHERE s.election_id = ? AND r.election_id = ?) AS first`,
			[]any{incidents, *election, stations, stations, regions, incidents / 1000, now, now, *election, *election}},
	}
	// No ANALYZE: Observer never runs it, so the planner works from the schema alone,
	// as it will in production.
	for _, st := range steps {
		if _, err := tx.exec(st.q, st.args...); err != nil {
			return err
		}
	}
	return nil
}
