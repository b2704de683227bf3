package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

func TestImportObservationsCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	if code, _, stderr := cli(t, "--db", db, "election", "add", "--code", "kz-2022", "--name", "Test", "--date", "2022-11-20"); code != 0 {
		t.Fatalf("election add: %d %s", code, stderr)
	}
	stations := writeFile(t, dir, "st.csv", "code,region,timezone\n071-023,Almaty,Asia/Almaty\n071-024,Almaty,Asia/Almaty\n")
	if code, _, stderr := cli(t, "--db", db, "import", "stations", "--election", "kz-2022", stations); code != 0 {
		t.Fatalf("stations: %s", stderr)
	}
	observers := writeFile(t, dir, "obs.csv", "code\nOBS-0142\n")
	if code, _, stderr := cli(t, "--db", db, "import", "observers", "--election", "kz-2022", observers); code != 0 {
		t.Fatalf("observers: %s", stderr)
	}

	good := writeFile(t, dir, "good.jsonl",
		`{"client_id": "8f1c", "station": "071-023", "phase": "counting", "observer": "OBS-0142", "arrived_at": "2022-11-20T19:40:00+06:00", "left_at": "2022-11-20T23:05:00+06:00", "assessment": "bad", "answers": {"count_mobile_exceeds_requests": "yes", "count_mobile_excess_invalidated": "no"}, "protocol": {"registered_voters": 1520, "voters_voted": 1011, "homebound_requests": 12, "ballots_stationary": 990, "ballots_mobile": 31, "votes": {"c1": 820, "against_all": 60}}, "incidents": [{"client_id": "8f1c-1", "category": "ballot_stuffing", "occurred_at": "2022-11-20T20:10:00+06:00", "witnessed": true, "description": "Пачка бюллетеней"}], "notes": "…"}`+"\n"+
			`{"client_id": "8f1d", "station": "071-024", "phase": "voting", "observer": "OBS-0142", "answers": {"vote_group_voting": "yes"}}`+"\n")
	code, stdout, stderr := cli(t, "--db", db, "import", "observations", "--election", "kz-2022", good)
	if code != 0 || strings.TrimSpace(stdout) != "added 2, unchanged 0, rejected 0" {
		t.Fatalf("good: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = cli(t, "--db", db, "import", "observations", "--election", "kz-2022", good)
	if code != 0 || strings.TrimSpace(stdout) != "added 0, unchanged 2, rejected 0" {
		t.Fatalf("again: exit %d, stdout %q", code, stdout)
	}

	bad := writeFile(t, dir, "bad.jsonl",
		`{"client_id": "x1", "station": "071-023", "phase": "counting", "answers": {"count_mobile_exceeds_requests": "no", "count_mobile_excess_invalidated": "yes"}}`+"\n"+
			`{"client_id": "x2", "station": "999", "phase": "voting", "colour": "red"}`+"\n"+
			`{"client_id": "x3", "station": "071-023", "phase": "voting", "arrived_at": "2022-11-20 10:00", "answers": {"vote_pressure": "perhaps"}}`+"\n"+
			`{"client_id": "x4", "station": "071-023", "phase": "dinner", "observer": "OBS-9999"}`+"\n")
	code, stdout, stderr = cli(t, "--db", db, "import", "observations", "--election", "kz-2022", bad)
	for _, want := range []string{
		"nothing was imported",
		"line 1: answers.count_mobile_excess_invalidated: is a follow-up answered although count_mobile_exceeds_requests is not yes",
		"line 2: colour: is not a known field",
		"line 3: arrived_at: is not an RFC 3339 time",
		"line 3: answers.vote_pressure: must be yes, no or na",
		"line 4: phase: is not a phase",
		"line 4: observer: is not a known observer code",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("missing %q in stderr:\n%s", want, stderr)
		}
	}
	if code != 1 || stdout != "" {
		t.Fatalf("bad file: exit %d, stdout %q", code, stdout)
	}

	st, err := storage.Open(context.Background(), storage.Options{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	el, _ := st.ElectionByCode(context.Background(), "kz-2022")
	n, _ := st.CountIncidents(context.Background(), report.IncidentFilter{ElectionID: el.ID})
	if n != 1 {
		t.Fatalf("%d incidents, want 1", n)
	}
}
