package demo

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// statsOf computes the statistics document of the demo election, as the dashboard does.
func statsOf(t *testing.T, s *storage.Store, el report.Election) map[string]any {
	t.Helper()
	ctx := context.Background()
	schema, err := s.StatsSchema(ctx, el.ID)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := s.StationsMeta(ctx, el.ID)
	if err != nil {
		t.Fatal(err)
	}
	tallies, err := s.StationTallies(ctx, el.ID, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := report.Compute(report.StatsQuery{ElectionID: el.ID, Election: el.Code}, schema, meta, tallies)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(doc)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func dig(m any, path ...string) any {
	for _, p := range path {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[p]
	}
	return m
}

func TestRecordingGenerator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo of 3,000 stations")
	}
	s := openStore(t)
	ctx := context.Background()
	start := time.Now()
	res, err := Build(ctx, s, Options{Stations: 3000, Incidents: 250, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("3,000 stations with their day's forms and incidents in %v", time.Since(start).Round(time.Millisecond))
	doc := statsOf(t, s, res.Election)
	phases := dig(doc, "phases")
	for _, p := range report.Phases {
		if n, _ := dig(phases, string(p), "observations").(float64); n < 10 {
			t.Errorf("%s: %v forms", p, n)
		}
	}
	counting := dig(phases, "counting")
	within := func(name string, v any, lo, hi float64) {
		t.Helper()
		f, ok := v.(float64)
		if !ok || f < lo || f > hi {
			t.Errorf("%s = %v, want %v–%v", name, v, lo, hi)
		}
	}
	within("counting negative", dig(counting, "assessment", "pct_negative"), 42, 68)
	within("mobile over requests", dig(counting, "questions", "count_mobile_exceeds_requests", "pct_yes"), 70, 90)
	within("excess invalidated", dig(counting, "questions", "count_mobile_excess_invalidated", "pct_yes"), 8, 32)
	within("ballots over voters", dig(counting, "questions", "count_ballots_exceed_voters", "pct_yes"), 3, 17)
	within("check: ballots over voters", dig(counting, "protocol_checks", "ballots_exceed_voters", "pct"), 3, 17)
	within("voting negative", dig(phases, "voting", "assessment", "pct_negative"), 2, 14)

	n, err := s.CountIncidents(ctx, report.IncidentFilter{ElectionID: res.Election.ID})
	if err != nil || n != 250 {
		t.Fatalf("%d incidents, want 250 (%v)", n, err)
	}
	witnessed := true
	attached, _ := s.CountIncidents(ctx, report.IncidentFilter{ElectionID: res.Election.ID, Witnessed: &witnessed})
	verified, _ := s.CountIncidents(ctx, report.IncidentFilter{ElectionID: res.Election.ID, Statuses: []report.Status{report.StatusVerified}})
	if attached < 150 || attached > 200 || verified < 50 || verified > 130 {
		t.Errorf("%d witnessed, %d verified of 250", attached, verified)
	}
	// The demo observers see their own forms on their page.
	u := res.Logins[3]
	user, err := s.UserByLogin(ctx, u.Login)
	if err != nil {
		t.Fatal(err)
	}
	mine, err := s.MyObservations(ctx, user.ID, res.Election.ID)
	if err != nil || len(mine) < 4 {
		t.Fatalf("%s has %d forms (%v)", u.Login, len(mine), err)
	}

	// The same seed gives the same day.
	s2 := openStore(t)
	res2, err := Build(ctx, s2, Options{Stations: 3000, Incidents: 250, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(doc)
	b, _ := json.Marshal(statsOf(t, s2, res2.Election))
	if string(a) != string(b) {
		t.Error("the same seed gave different statistics")
	}
}
