//go:build browser

package browsertest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// The coordinators' dashboard passes axe-core's WCAG rules in every language and
// fits a 360 px screen; with JavaScript on, the refresh toggle appears and, once
// ticked, brings new figures without reloading the page.
func TestDashboardAccessibleAndRefreshes(t *testing.T) {
	src := axeSource(t)
	e := newEnv(t)
	b := browser(t)
	p := e.phone(b, "dashboard")
	p.open("/login")
	p.login(coordinator)
	for _, lang := range []string{"en", "ru", "kk"} {
		p.open("/dashboard")
		p.language(lang)
		p.open("/dashboard")
		wcag, advice := p.axe(src, "/dashboard")
		for _, v := range wcag {
			t.Errorf("%s /dashboard: %s (%s, %s):\n  %s", lang, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
		}
		for _, v := range advice {
			t.Logf("%s /dashboard: best practice %s: %s (%d)", lang, v.ID, v.Help, len(v.Nodes))
		}
	}
	p.language("en")
	p.open("/dashboard")
	p.checkFits("dashboard")
	if got := eval[string](p, `document.querySelector("[data-testid=incidents-today]").textContent`); got != "0" {
		t.Fatalf("incidents today before: %q", got)
	}
	if !eval[bool](p, `!document.querySelector("[data-refresh-toggle]").hidden`) {
		t.Fatal("the refresh toggle stays hidden with JavaScript on")
	}
	eval[bool](p, `(() => { document.querySelector("[data-refresh-toggle] input").click(); return true; })()`)

	_, _, err := e.store.SaveIncident(context.Background(), report.Incident{ElectionID: e.el.ID, ClientID: "dash-1",
		StationID: e.stations[0].ID, Phase: report.PhaseVoting, Category: "ballot_stuffing", OccurredAt: e.now(),
		Witnessed: true, Description: "seen"}, e.coord)
	if err != nil {
		t.Fatal(err)
	}
	// Coming back to the tab refreshes at once rather than after the minute. The
	// server answers from a snapshot up to five seconds old, so the coordinator
	// comes back to the tab once a second until the new incident is counted.
	p.waitFor("the refreshed figures", `(() => {
		if (document.querySelector("[data-testid=incidents-today]").textContent === "1") return true;
		if (!window.lastLook || Date.now() - window.lastLook > 1000) {
			window.lastLook = Date.now();
			document.dispatchEvent(new Event("visibilitychange"));
		}
		return false;
	})()`, 15*time.Second)
	if !eval[bool](p, `document.querySelector("[data-refresh-toggle] input").checked`) {
		t.Error("the refresh toggle lost its state in the refresh")
	}
}
