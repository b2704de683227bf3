//go:build browser

package browsertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/observerkz/observer/internal/report"
)

// Without a signal, a link to a form the phone has not kept exactly (another
// station, an incident of an observation) opens the kept form of the same phase
// with what the link asked for filled in, and what is filed is what was asked.
func TestKeptFormsFollowTheLink(t *testing.T) {
	e := newEnv(t)
	b := browser(t)
	now := time.Now().UTC().Add(-time.Hour).Truncate(time.Minute)
	o := report.Observation{ElectionID: e.el.ID, ClientID: "kept-obs-1", StationID: e.stations[0].ID, Station: e.stations[0],
		Phase: report.PhaseVoting, State: report.StateSubmitted, Assessment: report.Assessments[0], ArrivedAt: &now,
		ObserverID: e.obs.ObserverID, UserID: e.obs.ID, Answers: map[string]report.Answer{}}
	oid, _, err := e.store.SaveObservation(context.Background(), o, e.obs)
	must(t, err, "saving an observation")

	p := e.phone(b, "kept")
	p.login(observer)
	p.serviceWorkerReady()
	p.waitFor("the forms kept on the phone", `caches.open("observer-v1-pages").then(c => c.keys()).then(ks =>
		ks.some(r => r.url.endsWith("/incidents/new")) && ks.some(r => r.url.includes("phase=counting")))`, 20*time.Second)
	p.offline(true)

	// Another station's counting form: the kept one, pointed at that station.
	other := e.stations[2].Code
	p.open("/observations/new?phase=counting&station=" + other)
	p.waitFor("the counting form", `!!document.querySelector("input[name=client_id]")`, 10*time.Second)
	got := eval[[]string](p, `[document.querySelector("input[name=phase]").value,
		(document.querySelector("input[data-station-other]") || {}).checked ? "other" : "assigned",
		(document.querySelector("input[data-station-search]") || {}).value || "",
		(document.querySelector(".context") || {}).textContent || ""]`)
	if got[0] != "counting" || got[1] != "other" || got[2] != other || got[3][:len(other)] != other {
		t.Errorf("kept counting form for %s: phase %q, choice %q, code %q, strip %q", other, got[0], got[1], got[2], got[3])
	}
	p.shot("other-station")

	// An incident of the observation, filed offline, arrives linked to it.
	p.open(fmt.Sprintf("/incidents/new?observation=%d", oid))
	p.waitFor("the incident form", `!!document.querySelector("select#category")`, 10*time.Second)
	if v := eval[string](p, `(document.querySelector("input[name=observation_id]") || {}).value || ""`); v != fmt.Sprint(oid) {
		t.Fatalf("observation_id in the kept form = %q, want %d", v, oid)
	}
	id := eval[string](p, `document.querySelector("input[name=client_id]").value`)
	p.fillIncident("carousel_voting", "voting", "The same voters came back by bus.", testPhoto(t, 640, 480), false)
	p.do(chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)))
	p.waitFor("queued", fmt.Sprintf(`!!document.querySelector('[data-client-id=%q][data-status=waiting]')`, id), 20*time.Second)
	p.offline(false)
	p.waitFor("sent", fmt.Sprintf(`!!document.querySelector('[data-client-id=%q][data-status=sent]')`, id), 60*time.Second)
	in := e.incidentsByClientID(id)
	if len(in) != 1 || in[0].ObservationID != oid {
		t.Fatalf("incident filed offline from observation %d: %+v", oid, in)
	}
}
