//go:build browser

package browsertest

import (
	"context"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/results"
)

// The results pages (forensics with their SVG charts, the discrepancies) pass
// axe-core's WCAG rules in every language and fit a 360 px screen.
func TestResultsPagesOnAPhone(t *testing.T) {
	src := axeSource(t)
	e := newEnv(t)
	ctx := context.Background()
	v := int64(1840)
	p800 := int64(800)
	if _, _, err := e.store.SaveObservation(ctx, report.Observation{ElectionID: e.el.ID, ClientID: "count-1", StationID: e.stations[0].ID,
		Phase: report.PhaseCounting, State: report.StateSubmitted,
		Protocol: &report.Protocol{RegisteredVoters: &v, VotersVoted: &p800, Votes: map[string]int64{"c1": 400, "c2": 390}}}, e.coord); err != nil {
		t.Fatal(err)
	}
	tab, errs := results.ParseCSV(strings.NewReader("station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1,votes:c2\n"+
		"071-023,1840,850,840,10,500,340\n071-024,2210,1400,1390,10,900,490\n011-005,1520,1000,990,10,700,290\n"), false)
	if errs != nil {
		t.Fatal(errs)
	}
	if _, err := e.store.ImportResults(ctx, e.el, results.Version{Label: "final"}, tab, false, report.User{}); err != nil {
		t.Fatal(err)
	}
	b := browser(t)
	p := e.phone(b, "results")
	p.login(coordinator)
	for _, path := range []string{"/results?election=" + election, "/results/discrepancies?election=" + election,
		"/results/station?election=" + election + "&code=071-023"} {
		for _, lang := range []string{"en", "ru", "kk"} {
			p.open(path)
			p.language(lang)
			p.open(path)
			wcag, _ := p.axe(src, path)
			for _, v := range wcag {
				t.Errorf("%s %s: %s (%s, %s):\n  %s", lang, path, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
			}
			p.checkFits(lang + " " + path)
		}
		p.language("en")
	}
	p.open("/results/discrepancies?election=" + election)
	if got := eval[int](p, `document.querySelectorAll("[data-testid=discrepancies] tbody tr").length`); got != 3 {
		t.Errorf("%d discrepancy rows, want 3 (issued, c1, c2)", got)
	}
	p.open("/results?election=" + election)
	if got := eval[int](p, `Math.round(document.querySelector("[data-testid=fingerprint]").getBoundingClientRect().width)`); got < 250 || got > 360 {
		t.Errorf("the fingerprint is %d px wide on a 360 px screen", got)
	}
}
