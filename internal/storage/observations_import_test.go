package storage

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

const goodFile = "\ufeff" + `{"client_id": "p-1", "station": "071-023", "phase": "counting", "observer": "OBS-anna", "arrived_at": "2022-11-20T19:40:00+06:00", "assessment": "bad", "answers": {"count_mobile_exceeds_requests": "yes", "count_mobile_excess_invalidated": "no"}, "protocol": {"voters_voted": 1011, "ballots_stationary": 990, "ballots_mobile": 31}, "incidents": [{"client_id": "p-1-a", "category": "ballot_stuffing", "occurred_at": "2022-11-20T20:10:00+06:00", "witnessed": true}]}

{"client_id": "p-2", "station": "USA-1", "phase": "voting", "observer": "OBS-boris", "answers": {"vote_group_voting": "yes"}}
{"client_id": "p-3", "station": "071-024", "phase": "opening"}
`

func readLines(t *testing.T, s string) []report.NumberedObservation {
	t.Helper()
	recs, errs, err := report.ReadObservationLines(strings.NewReader(s))
	if err != nil || errs != nil {
		t.Fatalf("%v %v", errs, err)
	}
	return recs
}

func TestImportObservations(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	recs := readLines(t, goodFile)
	if len(recs) != 3 || recs[1].Line != 3 {
		t.Fatalf("read %d records, second at line %d", len(recs), recs[1].Line)
	}
	res, err := f.s.ImportObservations(ctx, f.el.ID, recs, "good.jsonl", report.User{Login: "cli"})
	if err != nil || res.Added != 3 || res.Unchanged != 0 || res.Rejected != 0 {
		t.Fatalf("first import: %+v %v", res, err)
	}
	n, _ := f.s.CountIncidents(ctx, report.IncidentFilter{ElectionID: f.el.ID})
	if n != 1 {
		t.Fatalf("%d incidents, want 1", n)
	}
	audit := f.auditCount()
	touched := len(f.touched)

	// The same file again changes nothing at all.
	res, err = f.s.ImportObservations(ctx, f.el.ID, readLines(t, goodFile), "good.jsonl", report.User{Login: "cli"})
	if err != nil || res.Added != 0 || res.Unchanged != 3 || res.Rejected != 0 {
		t.Fatalf("second import: %+v %v", res, err)
	}
	if f.auditCount() != audit || len(f.touched) != touched {
		t.Fatal("a repeated import wrote something")
	}

	// A line whose client_id was used with other content is rejected; the rest go in.
	changed := strings.Replace(goodFile, `"phase": "opening"`, `"phase": "opening", "assessment": "good"`, 1) +
		`{"client_id": "p-4", "station": "071-024", "phase": "tabulation"}` + "\n"
	res, err = f.s.ImportObservations(ctx, f.el.ID, readLines(t, changed), "changed.jsonl", report.User{Login: "cli"})
	if err != nil || res.Added != 1 || res.Unchanged != 2 || res.Rejected != 1 || res.Rejections[0].Line != 4 {
		t.Fatalf("import with a conflict: %+v %v", res, err)
	}
}

func TestImportObservationsBadFileWritesNothing(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	bad := `{"client_id": "b-1", "station": "071-023", "phase": "voting"}
{"client_id": "b-2", "station": "NOPE", "phase": "voting", "observer": "OBS-ghost"}
{"client_id": "b-3", "station": "071-023", "phase": "counting", "answers": {"count_mobile_exceeds_requests": "no", "count_mobile_excess_invalidated": "yes", "vote_pressure": "yes"}}
{"client_id": "b-4", "station": "071-023", "phase": "counting", "protocol": {"ballots_mobile": -3}, "incidents": [{"client_id": "b-4-1", "category": "bribery", "occurred_at": "2022-11-20T20:10:00+06:00", "witnessed": true}]}
`
	recs := readLines(t, bad)
	before := f.auditCount()
	_, err := f.s.ImportObservations(ctx, f.el.ID, recs, "bad.jsonl", report.User{Login: "cli"})
	var le report.LineErrors
	if !errors.As(err, &le) {
		t.Fatalf("want line errors, got %v", err)
	}
	want := []string{
		"line 2: station: is not a polling station of this election",
		"line 2: observer: is not a known observer code",
		"line 3: answers.count_mobile_excess_invalidated: is a follow-up answered although count_mobile_exceeds_requests is not yes",
		"line 3: answers.vote_pressure: is not a question of the counting checklist",
		"line 4: protocol.ballots_mobile: must not be negative",
		"line 4: incidents[0].category: is not a known category",
	}
	got := le.Error()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in:\n%s", w, got)
		}
	}
	if strings.Contains(got, "line 1:") {
		t.Errorf("line 1 is fine:\n%s", got)
	}
	var n int
	if err := f.s.ro.QueryRow("SELECT (SELECT COUNT(*) FROM observations) + (SELECT COUNT(*) FROM incidents)").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 || f.auditCount() != before {
		t.Fatal("a file with errors wrote something")
	}
}
