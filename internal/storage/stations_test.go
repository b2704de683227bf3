package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

func testElection(t testing.TB, s *Store, code string) report.Election {
	t.Helper()
	el, err := s.CreateElection(context.Background(), code, "Test election", "2026-03-15", "", report.User{})
	if err != nil {
		t.Fatal(err)
	}
	return el
}

func importCSV(t testing.TB, s *Store, el report.Election, file string) (report.ImportCounts, error) {
	t.Helper()
	recs, err := report.ParseStations(strings.NewReader(file))
	if err != nil {
		return report.ImportCounts{}, err
	}
	return s.ImportStations(context.Background(), el, recs, report.User{Login: "test"})
}

func countRows(t testing.TB, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.ro.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const stationsV1 = "code,name,region,district,address,registered_voters,timezone,lat,lon\n" +
	"071-023,Polling station No. 23,Almaty,Bostandyk,School No. 45,1520,Asia/Almaty,43.2389,76.8897\n" +
	"071-024,Polling station No. 24,Almaty,Bostandyk,Lyceum No. 8,980,Asia/Almaty,,\n" +
	"072-001,Polling station No. 1,Almaty,Medeu,,700,Asia/Almaty,,\n" +
	"USA-1,Embassy in Washington,Abroad,,,120,America/New_York,38.9,-77.04\n"

func TestImportStationsUpserts(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	el := testElection(t, s, "kz-test")
	c, err := importCSV(t, s, el, stationsV1)
	if err != nil {
		t.Fatal(err)
	}
	if c != (report.ImportCounts{Added: 4}) {
		t.Fatalf("first import: %+v", c)
	}
	st, err := s.StationByCode(ctx, el.ID, "071-023")
	if err != nil {
		t.Fatal(err)
	}
	if st.RegionCode != "almaty" || st.RegionName != "Almaty" || st.DistrictCode != "bostandyk" || st.Address != "School No. 45" ||
		*st.RegisteredVoters != 1520 || *st.Lat != 43.2389 || st.Timezone != "Asia/Almaty" {
		t.Errorf("station = %+v", st)
	}
	if got, _ := s.Station(ctx, st.ID); got.Code != "071-023" {
		t.Errorf("Station(id) = %+v", got)
	}
	abroad, _ := s.StationByCode(ctx, el.ID, "USA-1")
	if abroad.DistrictID != 0 || abroad.Location().String() != "America/New_York" {
		t.Errorf("abroad station = %+v", abroad)
	}
	counts, err := s.CountStations(ctx, el.ID)
	if err != nil || counts != (StationCounts{Regions: 2, Districts: 2, Stations: 4, RegisteredVoters: 3320}) {
		t.Errorf("counts = %+v, %v", counts, err)
	}

	// The same file again changes nothing; a changed file updates and adds.
	if c, err := importCSV(t, s, el, stationsV1); err != nil || c != (report.ImportCounts{Unchanged: 4}) {
		t.Fatalf("second import: %+v, %v", c, err)
	}
	v2 := strings.Replace(stationsV1, "Lyceum No. 8,980", "Lyceum No. 8,1010", 1) +
		"072-002,Polling station No. 2,Almaty,Medeu,,650,Asia/Almaty,,\n"
	if c, err := importCSV(t, s, el, v2); err != nil || c != (report.ImportCounts{Added: 1, Updated: 1, Unchanged: 3}) {
		t.Fatalf("third import: %+v, %v", c, err)
	}
	if st, _ := s.StationByCode(ctx, el.ID, "071-024"); *st.RegisteredVoters != 1010 {
		t.Errorf("update lost: %+v", st)
	}
	// One audit entry per import, with the counts.
	var n int
	var after string
	s.ro.QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND entity = 'stations'").Scan(&n)
	s.ro.QueryRow("SELECT after FROM audit_log WHERE action = 'import' ORDER BY id DESC LIMIT 1").Scan(&after)
	if n != 3 || !strings.Contains(after, `"added":1`) {
		t.Errorf("%d import audit entries, last %s", n, after)
	}
	regions, err := s.RegionSummaries(ctx, el.ID)
	if err != nil || len(regions) != 2 || regions[1].Region.Code != "almaty" || regions[1].Stations != 4 || regions[1].Districts != 2 {
		t.Errorf("summaries = %+v, %v", regions, err)
	}
	ds, err := s.Districts(ctx, regions[1].Region.ID)
	if err != nil || len(ds) != 2 || ds[0].Name != "Bostandyk" {
		t.Errorf("districts = %+v, %v", ds, err)
	}
}

// A file without some optional columns updates what it has and keeps the rest: a
// list of names and voters leaves the zones, districts and coordinates as they were.
// A column the file has with an empty cell empties it.
func TestImportStationsKeepsAbsentColumns(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	el := testElection(t, s, "kz-keep")
	if _, err := importCSV(t, s, el, stationsV1); err != nil {
		t.Fatal(err)
	}
	c, err := importCSV(t, s, el, "code,name,region,registered_voters\n071-023,PS No. 23 (new school),Almaty,1600\nUSA-1,Embassy in Washington,Abroad,120\n")
	if err != nil || c != (report.ImportCounts{Updated: 1, Unchanged: 1}) {
		t.Fatalf("partial import: %+v %v", c, err)
	}
	st, _ := s.StationByCode(ctx, el.ID, "071-023")
	if st.Name != "PS No. 23 (new school)" || *st.RegisteredVoters != 1600 || st.Timezone != "Asia/Almaty" ||
		st.DistrictCode != "bostandyk" || st.Address != "School No. 45" || st.Lat == nil || *st.Lat != 43.2389 {
		t.Fatalf("after a partial import: %+v", st)
	}
	if found, _ := s.SearchStations(ctx, el.ID, "new school", 5); len(found) != 1 {
		t.Fatalf("the new name is not searchable: %+v", found)
	}
	if _, err := importCSV(t, s, el, "code,region,timezone,address\n071-023,Almaty,,\n"); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.StationByCode(ctx, el.ID, "071-023"); st.Timezone != "" || st.Address != "" || st.Name != "PS No. 23 (new school)" {
		t.Fatalf("empty cells of a given column: %+v", st)
	}
}

func TestImportStationsBrokenFileWritesNothing(t *testing.T) {
	s := openTest(t)
	el := testElection(t, s, "kz-test")
	if _, err := importCSV(t, s, el, stationsV1); err != nil {
		t.Fatal(err)
	}
	auditBefore := countRows(t, s, "audit_log")
	broken := strings.Replace(stationsV1, "Lyceum No. 8,980", "Lyceum No. 8,-980", 1) + "073-001,New,Astana,,,,,,\n"
	_, err := importCSV(t, s, el, broken)
	var errs report.CSVErrors
	if !errors.As(err, &errs) || len(errs) != 1 || !strings.Contains(errs[0].Error(), "line 3, column registered_voters") {
		t.Fatalf("got %v", err)
	}
	if countRows(t, s, "stations") != 4 || countRows(t, s, "regions") != 2 || countRows(t, s, "audit_log") != auditBefore {
		t.Fatal("a broken file changed the database")
	}
	// Records that bypass the parser are validated too.
	bad := []report.StationRecord{{Code: "X 1", Region: "Astana"}}
	if _, err := s.ImportStations(context.Background(), el, bad, report.User{}); !errors.As(err, &errs) {
		t.Fatalf("invalid records accepted: %v", err)
	}
	if countRows(t, s, "stations") != 4 {
		t.Fatal("invalid records written")
	}
}

func TestImportStationsMovesReports(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	el := testElection(t, s, "kz-test")
	if _, err := importCSV(t, s, el, stationsV1); err != nil {
		t.Fatal(err)
	}
	st, _ := s.StationByCode(ctx, el.ID, "072-001")
	err := s.Write(ctx, func(tx *Tx) error {
		_, err := insertTestIncident(tx, el.ID, st.ID, st.RegionID, "c1")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(stationsV1, "Polling station No. 1,Almaty,Medeu", "Polling station No. 1,Almaty,Bostandyk", 1)
	if _, err := importCSV(t, s, el, moved); err != nil {
		t.Fatal(err)
	}
	after, _ := s.StationByCode(ctx, el.ID, "072-001")
	var district int64
	s.ro.QueryRow("SELECT district_id FROM incidents WHERE station_id = ?", st.ID).Scan(&district)
	if after.DistrictCode != "bostandyk" || district != after.DistrictID {
		t.Errorf("station in %s, its incident in district %d (want %d)", after.DistrictCode, district, after.DistrictID)
	}
}

func TestSearchStations(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	el := testElection(t, s, "kz-test")
	other := testElection(t, s, "kz-other")
	if _, err := importCSV(t, s, el, stationsV1); err != nil {
		t.Fatal(err)
	}
	if _, err := importCSV(t, s, other, stationsV1); err != nil {
		t.Fatal(err)
	}
	codes := func(sts []report.Station) string {
		var cs []string
		for _, st := range sts {
			if st.ElectionID != el.ID {
				return "another election's station"
			}
			cs = append(cs, st.Code)
		}
		return strings.Join(cs, " ")
	}
	cases := []struct{ q, want string }{
		{"071", "071-023 071-024"},
		{"07", "071-023 071-024 072-001"},
		{"usa", "USA-1"},             // the code's case does not matter
		{"embassy", "USA-1"},         // a word of the name
		{"lyceum", "071-024"},        // a word of the address
		{"023", "071-023"},           // a substring of the code after the prefixes
		{"No. 2", "071-023 071-024"}, // "No. 23" and "No. 24"
		{"zzz", ""},
		{"  ", ""},
	}
	for _, tc := range cases {
		got, err := s.SearchStations(ctx, el.ID, tc.q, 20)
		if err != nil {
			t.Fatal(err)
		}
		if codes(got) != tc.want {
			t.Errorf("search %q = %q, want %q", tc.q, codes(got), tc.want)
		}
	}
	if got, _ := s.SearchStations(ctx, el.ID, "0", 2); len(got) != 2 {
		t.Errorf("limit ignored: %d", len(got))
	}
	if got, _ := s.SearchStationsIn(ctx, el.ID, "abroad", "0", 20); len(got) != 0 {
		t.Errorf("region limit ignored: %v", codes(got))
	}
}

func TestAssignedStations(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	el := testElection(t, s, "kz-test")
	if _, err := importCSV(t, s, el, stationsV1); err != nil {
		t.Fatal(err)
	}
	a, _ := s.StationByCode(ctx, el.ID, "072-001")
	b, _ := s.StationByCode(ctx, el.ID, "071-023")
	var oid int64
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		if oid, err = EnsureObserver(tx, "OBS-0001", "almaty", report.User{}); err != nil {
			return err
		}
		_, err = SetAssignments(tx, oid, el.ID, []int64{a.ID, b.ID}, report.User{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.AssignedStations(ctx, oid, el.ID)
	if err != nil || len(got) != 2 || got[0].Code != "071-023" || got[1].Code != "072-001" {
		t.Fatalf("assigned = %+v, %v", got, err)
	}
	err = s.Write(ctx, func(tx *Tx) error {
		st, err := StationByCodeTx(tx, el.ID, "USA-1")
		if err != nil {
			return err
		}
		_, err = StationByCodeTx(tx, el.ID, "nope")
		if !errors.Is(err, report.ErrNotFound) {
			return fmt.Errorf("unknown code: %v", err)
		}
		_, err = SetAssignments(tx, oid, el.ID, []int64{st.ID}, report.User{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.AssignedStations(ctx, oid, el.ID); len(got) != 1 || got[0].Code != "USA-1" {
		t.Errorf("after reassignment: %+v", got)
	}
}

// benchStations builds an election with n stations in 20 regions of 25 districts.
func benchStations(b testing.TB, s *Store, n int) report.Election {
	el := testElection(b, s, "kz-bench")
	recs := make([]report.StationRecord, n)
	for i := range recs {
		voters := int64(500 + i%2000)
		recs[i] = report.StationRecord{
			Code:             fmt.Sprintf("%03d-%03d", i/40+1, i%40+1),
			Name:             fmt.Sprintf("Polling station No. %d", i%40+1),
			Region:           fmt.Sprintf("Region %02d", (i/40)%20),
			District:         fmt.Sprintf("District %03d", i/40+1),
			Address:          fmt.Sprintf("School No. %d, %d Abai Ave", i%97+1, i%150+1),
			RegisteredVoters: &voters,
			Timezone:         "Asia/Almaty",
		}
	}
	start := time.Now()
	c, err := s.ImportStations(context.Background(), el, recs, report.User{})
	if err != nil || c.Added != n {
		b.Fatalf("import: %+v, %v", c, err)
	}
	b.Logf("imported %d stations in %v", n, time.Since(start).Round(time.Millisecond))
	return el
}

// Speed is shown by BenchmarkSearchStations; this checks the answers among 10,000.
func TestSearchStationsAmong10000(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	el := benchStations(t, s, 10000)
	for _, q := range []string{"125-0", "school no. 96", "abai", "zzz"} {
		if _, err := s.SearchStations(ctx, el.ID, q, 20); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	}
	if got, _ := s.SearchStations(ctx, el.ID, "125-0", 20); len(got) != 20 || got[0].Code != "125-001" || got[19].Code != "125-020" {
		t.Errorf("prefix search found %d", len(got))
	}
}

func BenchmarkSearchStations(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(context.Background(), Options{Path: dir + "/b.db", DataDir: dir + "/data"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	el := benchStations(b, s, 10000)
	ctx := context.Background()
	for _, q := range []struct{ name, q string }{
		{"code-prefix", "125-0"}, {"name-substring", "school no. 96"}, {"no-match", "zzz"},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.SearchStations(ctx, el.ID, q.q, 20); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
