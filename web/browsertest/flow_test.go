//go:build browser

package browsertest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/observerkz/observer/internal/report"
)

// An observer's election day on a phone: a counting form with an incident and a
// photo; then the signal goes, another incident is filed, the signal comes back,
// and it arrives exactly once, even when the server's first answer is lost on the
// way. A coordinator verifies it and the dashboard counts it.
func TestObserverDayWithLostSignal(t *testing.T) {
	e := newEnv(t)
	b := browser(t)
	photo := testPhoto(t, 2400, 1800)

	obs := e.phone(b, "observer")
	errs := obs.consoleErrors()
	obs.login(observer)
	obs.waitFor("My work", `location.pathname === "/my"`, 10*time.Second)
	obs.waitFor("four headline categories", `document.querySelectorAll(".headline a").length === 4`, 5*time.Second)
	obs.checkFits("my")
	obs.shot("01-my")
	// The worker takes the page over and keeps the observer's forms ready.
	obs.serviceWorkerReady()
	obs.waitFor("the forms kept on the phone", `caches.open("observer-v1-pages").then(c => c.keys()).then(ks =>
		ks.some(r => r.url.includes("/incidents/new?category=ballot_stuffing")) &&
		ks.some(r => r.url.includes("/observations/new?phase=counting")))`, 20*time.Second)

	// 1. The counting form, online.
	obs.do(chromedp.Click(chromedp.CSS(`main a[href^="/observations/new?phase=counting"]`)))
	obs.waitFor("the counting form", `location.search.includes("phase=counting") && !!document.querySelector("form input[name=client_id]")`, 10*time.Second)
	obs.checkFits("counting-form")
	obsClientID := eval[string](obs, `document.querySelector("input[name=client_id]").value`)
	obs.fillCountingForm()
	obs.shot("02-counting-form")
	obs.do(chromedp.Click(chromedp.CSS(`button[name=action][value=submit]`)))
	obs.waitFor("the form saved, or its protocol warnings", `/^\/observations\/\d+$/.test(location.pathname) || !!document.querySelector("[data-testid=check-warnings]")`, 20*time.Second)
	if eval[bool](obs, `!!document.querySelector("[data-testid=check-warnings]")`) {
		obs.shot("03-protocol-warnings")
		obs.do(chromedp.Click(chromedp.CSS(`button[name=action][value=submit]`)))
		obs.waitFor("the form saved", `/^\/observations\/\d+$/.test(location.pathname)`, 20*time.Second)
	}
	obs.shot("04-observation-saved")
	o := e.observationByClientID(obsClientID)
	if o.Phase != report.PhaseCounting || o.State != report.StateSubmitted || o.Station.Code != e.stations[0].Code {
		t.Fatalf("saved observation: phase %s state %s station %s", o.Phase, o.State, o.Station.Code)
	}

	// 2. An incident with a photo, filed from the observation, photos made smaller.
	obs.do(chromedp.Click(chromedp.CSS(`main a[href*="/incidents/new?observation="]`)))
	obs.waitFor("the incident form", `!!document.querySelector("select#category") && !!document.querySelector(".offline-shrink input")`, 10*time.Second)
	incID1 := eval[string](obs, `document.querySelector("input[name=client_id]").value`)
	obs.fillIncident("protocol_copy_denied", "counting", "The chair refused to hand over a copy of the protocol.", photo, true)
	obs.checkFits("incident-form")
	obs.shot("05-incident-form")
	obs.do(chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)))
	obs.waitFor("back at the observation", fmt.Sprintf(`location.pathname === "/observations/%d"`, o.ID), 30*time.Second)
	obs.shot("06-incident-saved")
	in1 := e.incidentsByClientID(incID1)
	if len(in1) != 1 || in1[0].ObservationID != o.ID || in1[0].EvidenceCount != 1 {
		t.Fatalf("incident with the observation: %+v", in1)
	}
	ev := e.evidence(in1[0].ID)
	if ev[0].Size >= fileSize(t, photo)/2 {
		t.Errorf("the photo was to be made smaller on the phone: %d bytes stored, %d original", ev[0].Size, fileSize(t, photo))
	}

	// 3. The signal goes. My work and the headline form still open, from the phone.
	obs.offline(true)
	obs.open("/my")
	obs.waitFor("the offline badge", `(document.querySelector(".offline-badge") || {}).hidden === false`, 10*time.Second)
	obs.shot("07-offline-my")
	obs.do(chromedp.Click(chromedp.CSS(`.headline a[href*="category=ballot_stuffing"]`)))
	obs.waitFor("the incident form, from the phone", `!!document.querySelector("select#category") && document.querySelector("select#category").value === "ballot_stuffing"`, 10*time.Second)
	incID2 := eval[string](obs, `document.querySelector("input[name=client_id]").value`)
	obs.fillIncident("", "voting", "A man put a stack of ballots into box 2 at 11:40.", photo, false)
	obs.shot("08-offline-incident-form")
	obs.do(chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)))
	obs.waitFor("the queued report on My work", fmt.Sprintf(`location.pathname === "/my" &&
		!!document.querySelector('[data-client-id=%q][data-status=waiting]')`, incID2), 20*time.Second)
	obs.shot("09-queued")
	obs.noAxeViolations(axeIfAvailable(t), "/my offline with a report waiting")
	if n := len(e.incidentsByClientID(incID2)); n != 0 {
		t.Fatalf("%d incidents reached the server while it was unreachable", n)
	}
	// It survives the page going away (the phone kept it, not the page).
	obs.open("/my")
	obs.waitFor("the report still waiting", fmt.Sprintf(`!!document.querySelector('[data-client-id=%q][data-status=waiting]')`, incID2), 10*time.Second)

	// 4. The signal returns; the first answer is lost on the way back (the server
	// saved it, the phone never heard), so the phone sends it again.
	e.loseAnswers.Store(1)
	obs.offline(false)
	obs.waitFor("the report sent", fmt.Sprintf(`!!document.querySelector('[data-client-id=%q][data-status=sent]')`, incID2), 60*time.Second)
	// My work, shown from the phone's copy, is loaded again and lists it.
	obs.waitFor("My work listing both incidents", `document.querySelectorAll("[data-testid=my-incidents] > li").length === 2 &&
		!!document.querySelector(".offline-sent")`, 20*time.Second)
	obs.shot("10-sent")
	if e.loseAnswers.Load() != 0 {
		t.Error("no answer was lost: the replay path was not exercised")
	}
	in2 := e.incidentsByClientID(incID2)
	if len(in2) != 1 {
		t.Fatalf("incidents with client_id %s: %d, want exactly 1", incID2, len(in2))
	}
	if in2[0].Category != "ballot_stuffing" || in2[0].Phase != report.PhaseVoting || in2[0].EvidenceCount != 1 {
		t.Errorf("replayed incident: %+v", in2[0])
	}
	if n := e.countIncidents(); n != 2 {
		t.Errorf("%d incidents in the database, want 2", n)
	}
	// Another load replays nothing.
	obs.open("/my")
	obs.waitFor("the list", `!!document.querySelector("[data-testid=my-incidents]")`, 10*time.Second)
	if n := len(e.incidentsByClientID(incID2)); n != 1 {
		t.Fatalf("after a reload: %d incidents with the client_id", n)
	}

	// 5. The coordinator verifies it, and the dashboard counts it.
	co := e.phone(b, "coordinator")
	co.login(coordinator)
	dash := "/dashboard?election=" + election + "&status=verified"
	verified := `(document.querySelector('[data-testid=phase-voting] [data-testid=cat-ballot_stuffing] td.num a') || {}).textContent`
	co.open(dash)
	before := eval[string](co, verified)
	co.shot("01-dashboard-before")
	co.open(fmt.Sprintf("/incidents/%d", in2[0].ID))
	co.waitFor("the verify form", `!!document.querySelector("[data-testid=verify-form]")`, 10*time.Second)
	co.shot("02-incident")
	co.do(chromedp.Click(chromedp.CSS(`[data-testid=verify-form] button[value=verified]`)))
	co.waitFor("verified", `!document.querySelector("[data-testid=verify-form] button[value=verified]") || document.querySelector("h1 .badge.verified")`, 10*time.Second)
	co.open(dash)
	after := eval[string](co, verified)
	co.shot("03-dashboard-after")
	if strings.TrimSpace(before) != "0" || strings.TrimSpace(after) != "1" {
		t.Errorf("verified ballot stuffing on the dashboard: %q before, %q after; want 0 then 1", before, after)
	}

	obs.noConsoleErrors(errs)
}

// In Russian and Kazakh every observer page is translated: no catalogue key shows,
// and the page says its language.
func TestObserverPagesTranslated(t *testing.T) {
	e := newEnv(t)
	b := browser(t)
	obs := e.phone(b, "lang")
	errs := obs.consoleErrors()
	obs.login(observer)
	pages := e.observerPages(obs)
	keys := keyShaped()
	for _, lang := range []string{"ru", "kk", "en"} {
		obs.open("/my")
		obs.language(lang)
		for _, pg := range pages {
			obs.open(pg.path)
			if got := eval[string](obs, `document.documentElement.lang`); got != lang {
				t.Errorf("%s %s: html lang=%q", lang, pg.path, got)
			}
			text := eval[string](obs, `document.body.innerText + " " + Array.from(document.querySelectorAll("[aria-label],[title],[placeholder],[alt]")).map(e => [e.getAttribute("aria-label"), e.title, e.placeholder, e.alt].join(" ")).join(" ")`)
			if m := keys.FindAllString(text, -1); len(m) > 0 {
				t.Errorf("%s %s shows catalogue keys: %v", lang, pg.path, m)
			}
			if lang != "en" {
				obs.shot(lang + "-" + pg.name)
			}
		}
	}
	obs.noConsoleErrors(errs)
}

// observationByClientID reads an observation straight from the database.
func (e *env) observationByClientID(id string) report.Observation {
	e.t.Helper()
	list, err := e.store.MyObservations(context.Background(), e.obs.ID, e.el.ID)
	must(e.t, err, "listing observations")
	for _, o := range list {
		if o.ClientID == id {
			return o
		}
	}
	e.t.Fatalf("no observation with client_id %s", id)
	return report.Observation{}
}

func (e *env) incidentsByClientID(id string) []report.Incident {
	e.t.Helper()
	list, err := e.store.Incidents(context.Background(), report.IncidentFilter{ElectionID: e.el.ID})
	must(e.t, err, "listing incidents")
	var out []report.Incident
	for _, in := range list {
		if in.ClientID == id {
			out = append(out, in)
		}
	}
	return out
}

func (e *env) countIncidents() int {
	n, err := e.store.CountIncidents(context.Background(), report.IncidentFilter{ElectionID: e.el.ID})
	must(e.t, err, "counting incidents")
	return n
}

func (e *env) evidence(incidentID int64) []report.Evidence {
	ev, err := e.store.EvidenceOf(context.Background(), incidentID)
	must(e.t, err, "reading evidence")
	return ev
}
