package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

func TestStatsCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	if code, _, stderr := cli(t, "--db", db, "election", "add", "--code", "kz-2022", "--name", "Test", "--date", "2022-11-20"); code != 0 {
		t.Fatalf("election add: %d %s", code, stderr)
	}
	stations := writeFile(t, dir, "st.csv", "code,region,timezone\n071-023,Almaty,Asia/Almaty\n071-024,Almaty,Asia/Almaty\n072-001,Astana,Asia/Almaty\n")
	if code, _, stderr := cli(t, "--db", db, "import", "stations", "--election", "kz-2022", stations); code != 0 {
		t.Fatalf("stations: %s", stderr)
	}
	forms := writeFile(t, dir, "forms.jsonl",
		`{"client_id": "a", "station": "071-023", "phase": "counting", "arrived_at": "2022-11-20T19:40:00+06:00", "assessment": "bad", "answers": {"count_mobile_exceeds_requests": "yes", "count_mobile_excess_invalidated": "no"}, "protocol": {"voters_voted": 1011, "ballots_stationary": 990, "ballots_mobile": 31}, "incidents": [{"client_id": "a-1", "category": "ballot_stuffing", "occurred_at": "2022-11-20T20:10:00+06:00", "witnessed": true}]}`+"\n"+
			`{"client_id": "b", "station": "072-001", "phase": "counting", "arrived_at": "2022-11-20T19:50:00+06:00", "assessment": "good", "answers": {"count_mobile_exceeds_requests": "no"}}`+"\n")
	if code, _, stderr := cli(t, "--db", db, "import", "observations", "--election", "kz-2022", forms); code != 0 {
		t.Fatalf("observations: %s", stderr)
	}

	code, out, stderr := cli(t, "--db", db, "stats", "--election", "kz-2022")
	if code != 0 {
		t.Fatalf("stats: %d %s", code, stderr)
	}
	var doc report.StatsDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stats prints no document: %v\n%s", err, out)
	}
	c := doc.Phases.Counting
	if doc.Election != "kz-2022" || c.Observations != 2 || c.StationsTotal != 3 || c.Assessment.Negative != 1 || c.Assessment.N != 2 ||
		!c.Assessment.SmallN || c.Categories["ballot_stuffing"].ObservationsWith != 1 || c.ProtocolChecks["ballots_exceed_voters"].Flagged != 1 {
		t.Fatalf("counting %+v", c)
	}
	if doc.Phases.Opening.Observations != 0 || !strings.Contains(out, `"pct_negative": null`) {
		t.Fatal("a phase without observations must have null shares")
	}

	// --db after the command, as statistics.md writes it, reads the same database.
	if code, after, stderr := cli(t, "stats", "--election", "kz-2022", "--db", db); code != 0 || after != out {
		t.Fatalf("stats with --db after the command: %d %s", code, stderr)
	}

	// Importing the same file again changes nothing.
	cli(t, "--db", db, "import", "observations", "--election", "kz-2022", forms)
	if _, again, _ := cli(t, "--db", db, "stats", "--election", "kz-2022"); again != out {
		t.Fatal("statistics changed after importing the same file twice")
	}

	// Scope flags: a region, verified only, a window that leaves the forms out.
	code, out, _ = cli(t, "--db", db, "stats", "--election", "kz-2022", "--region", doc.Breakdown[1].Code, "--status", "verified",
		"--from", "2022-11-20T20:00:00+06:00", "--to", "2022-11-21T00:00:00+06:00")
	var scoped report.StatsDocument
	if code != 0 || json.Unmarshal([]byte(out), &scoped) != nil {
		t.Fatalf("scoped stats: %d %s", code, out)
	}
	if scoped.Scope.Region == nil || *scoped.Scope.Region != doc.Breakdown[1].Code || len(scoped.Scope.Status) != 1 ||
		scoped.Scope.From == nil || scoped.Phases.Counting.Observations != 0 {
		t.Fatalf("scoped %+v, counting %d", scoped.Scope, scoped.Phases.Counting.Observations)
	}
	for _, bad := range [][]string{{"--region", "NOWHERE"}, {"--status", "maybe"}, {"--from", "yesterday"}, {}} {
		args := append([]string{"--db", db, "stats"}, bad...)
		if len(bad) > 0 {
			args = append(args, "--election", "kz-2022")
		}
		if code, _, stderr := cli(t, args...); code == 0 || stderr == "" {
			t.Errorf("stats %v: exit %d, stderr %q", bad, code, stderr)
		}
	}
}
