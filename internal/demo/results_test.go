package demo

import (
	"context"
	"testing"

	"github.com/observerkz/observer/internal/results"
)

// TestDemoResults: the demo's official results cover every station in two versions;
// the final one differs from some protocol copies, the preliminary one from none;
// and one region shows integer-percentage peaks that the others do not.
func TestDemoResults(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	res, err := Build(ctx, s, Options{Stations: 3000, Observers: 150, Incidents: 60, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	el := res.Election
	svc := results.NewService(s)
	final, vs, err := svc.Version(ctx, el.ID, "")
	if err != nil || final.Label != "final" || len(vs) != 2 || final.Stations != 3000 || vs[1].Stations != 3000 {
		t.Fatalf("versions %+v %v", vs, err)
	}
	// Demo observers at the same station copied their protocols independently: only
	// stations observed once can agree with a version.
	obs, _ := s.CountingProtocols(ctx, el.ID, "")
	seen := map[string]int{}
	for _, o := range obs {
		seen[o.Station]++
	}
	_, ds, err := svc.Discrepancies(ctx, el.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	stations := map[string]bool{}
	for _, d := range ds {
		if seen[d.Station] == 1 {
			stations[d.Station] = true
		}
	}
	if len(stations) < 15 || len(stations) > demoAltered {
		t.Errorf("%d stations differ from their protocol copies in the final results", len(stations))
	}
	_, pre, _ := svc.Discrepancies(ctx, el.ID, "preliminary", "")
	for _, d := range pre {
		if seen[d.Station] == 1 {
			t.Errorf("the preliminary results differ from the only copy: %+v", d)
		}
	}
	an, err := svc.Forensics(ctx, el.Code, el.ID, "", results.Options{Seed: 42, Replicates: 200})
	if err != nil {
		t.Fatal(err)
	}
	peaks := 0
	for _, r := range an.Doc.Regions {
		if !r.SmallN && float64(r.Integer.Either.Observed) > r.Integer.Either.P999 {
			peaks++
			t.Logf("integer peaks in %s: %d observed, %.1f expected", r.Region, r.Integer.Either.Observed, r.Integer.Either.Expected)
		}
	}
	if peaks != 1 {
		t.Errorf("%d regions show integer peaks, want the one injected", peaks)
	}
}
