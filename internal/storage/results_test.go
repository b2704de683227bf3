package storage

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/results"
)

func parseResults(t testing.TB, file string, add bool) *results.Table {
	t.Helper()
	tab, errs := results.ParseCSV(strings.NewReader(file), add)
	if errs != nil {
		t.Fatal(errs)
	}
	return tab
}

const resultsHeader = "station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1,votes:c2\n"

func TestImportResultsVersions(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	el := testElection(t, s, "kz-test")
	if _, err := importCSV(t, s, el, stationsV1); err != nil {
		t.Fatal(err)
	}
	admin := report.User{ID: 0, Login: "admin"}
	prelim := parseResults(t, resultsHeader+"071-023,1520,900,890,10,600,290\n071-024,980,500,495,5,300,195\n", false)
	v1, err := s.ImportResults(ctx, el, results.Version{Label: "preliminary", Source: "https://example.org/p"}, prelim, false, admin)
	if err != nil {
		t.Fatal(err)
	}
	final := parseResults(t, resultsHeader+"071-023,1520,900,890,10,700,190\n", false)
	v2, err := s.ImportResults(ctx, el, results.Version{Label: "final"}, final, false, admin)
	if err != nil {
		t.Fatal(err)
	}
	// The same label again is refused, and writes nothing.
	before := countRows(t, s, "results")
	_, err = s.ImportResults(ctx, el, results.Version{Label: "final"}, final, false, admin)
	var ce results.CSVErrors
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "already has a results version labelled “final”") {
		t.Fatalf("label again: %v", err)
	}
	// An unknown station is refused with its line; nothing is written.
	_, err = s.ImportResults(ctx, el, results.Version{Label: "other"}, parseResults(t, resultsHeader+"071-023,1,1,1,0,1,0\nNOPE-1,1,1,1,0,1,0\n", false), false, admin)
	if err == nil || !strings.Contains(err.Error(), "line 3, column station: station NOPE-1 is not in this election") {
		t.Fatalf("unknown station: %v", err)
	}
	if countRows(t, s, "results") != before || countRows(t, s, "result_versions") != 2 {
		t.Fatal("a refused import wrote something")
	}
	vs, err := s.ResultVersions(ctx, el.ID)
	if err != nil || len(vs) != 2 || vs[0].ID != v2.ID || vs[1].Source != "https://example.org/p" {
		t.Fatalf("versions %+v %v", vs, err)
	}
	// Versions side by side: the station has both, the final one lacks 071-024.
	st, _ := s.StationByCode(ctx, el.ID, "071-023")
	svs, rows, err := s.StationResults(ctx, st.ID)
	if err != nil || len(rows) != 2 || svs[0].Label != "final" || rows[0].Votes[0] != 700 || rows[1].Votes[0] != 600 {
		t.Fatalf("station results %+v %+v %v", svs, rows, err)
	}
	set, err := s.ResultSet(ctx, v2, "")
	if err != nil || len(set.Rows) != 1 || set.Rows[0].RegionCode == "" || set.RegionNames[set.Rows[0].RegionCode] != "Almaty" {
		t.Fatalf("set %+v %v", set, err)
	}
	set1, _ := s.ResultSet(ctx, v1, "")
	if len(set1.Rows) != 2 {
		t.Fatalf("preliminary rows %d", len(set1.Rows))
	}
	// Nothing is changed or deleted, and the imports are in the audit log.
	if _, err := s.rw.Exec("DELETE FROM results"); err == nil {
		t.Error("results could be deleted")
	}
	var audits int
	s.ro.QueryRow("SELECT count(*) FROM audit_log WHERE entity = 'results'").Scan(&audits)
	if audits != 2 {
		t.Errorf("%d audit entries", audits)
	}
}

func TestImportResultsAddStations(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	el := testElection(t, s, "kz-test")
	file := "station,region,district,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1\n" +
		"N-1,North,D1,500,300,290,10,200\nN-2,North,,400,200,200,0,100\n"
	if _, err := s.ImportResults(ctx, el, results.Version{Label: "final"}, parseResults(t, file, true), false, report.User{}); err == nil {
		t.Fatal("unknown stations accepted without --add-stations")
	}
	if _, err := s.ImportResults(ctx, el, results.Version{Label: "final"}, parseResults(t, file, true), true, report.User{}); err != nil {
		t.Fatal(err)
	}
	st, err := s.StationByCode(ctx, el.ID, "N-1")
	if err != nil || st.RegionName != "North" || st.DistrictName != "D1" || *st.RegisteredVoters != 500 {
		t.Fatalf("%+v %v", st, err)
	}
	noRegion := "station,region,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1\nN-3,,5,5,5,0,5\n"
	_, err = s.ImportResults(ctx, el, results.Version{Label: "again"}, parseResults(t, noRegion, true), true, report.User{})
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("a new station without region: %v", err)
	}
}

// BenchmarkImportResults100k parses and imports the results of 100,000 stations
// with five candidates (results.md: "in seconds"); the stations exist already.
func BenchmarkImportResults100k(b *testing.B) {
	const n = 100_000
	var seed, file strings.Builder
	seed.WriteString("station,region,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1\n")
	file.WriteString("station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1,votes:c2,votes:c3,votes:c4,votes:against_all\n")
	for i := range n {
		fmt.Fprintf(&seed, "S-%06d,Region %d,1500,900,890,10,500\n", i, i%20)
		fmt.Fprintf(&file, "S-%06d,%d,%d,%d,%d,%d,%d,%d,%d,%d\n", i, 1500+i%7, 900+i%13, 890, 10, 500+i%101, 200, 100, 50, 40)
	}
	ctx := context.Background()
	for i := range b.N {
		b.StopTimer()
		dir := b.TempDir()
		s, err := Open(ctx, Options{Path: filepath.Join(dir, "t.db"), DataDir: filepath.Join(dir, "data")})
		if err != nil {
			b.Fatal(err)
		}
		el := testElection(b, s, fmt.Sprintf("e%d", i))
		if _, err := s.ImportResults(ctx, el, results.Version{Label: "seed"}, parseResults(b, seed.String(), true), true, report.User{}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		tab, errs := results.ParseCSV(strings.NewReader(file.String()), false)
		if errs != nil {
			b.Fatal(errs)
		}
		if _, err := s.ImportResults(ctx, el, results.Version{Label: "final"}, tab, false, report.User{}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
	}
}
