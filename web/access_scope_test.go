package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// Scope inside the pages a caller may open: lists, searches, filters and forms show
// and take only what is in the caller's scope, and what is refused changes nothing.

// probe is one call with its expected status and, for answers let through, what the
// body must not contain.
type probe struct {
	actor, method, target string
	form                  url.Values
	json                  string
	status                int
	absent                []string
}

// checkScope runs the probes (TestAccessEveryRoute calls it on its fixture, after
// the table: the calls the table let through left observer A's records as they were).
func (fx *accessFixture) checkScope(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	el := fx.el.Code
	incA, incB := strconv.FormatInt(fx.incA.ID, 10), strconv.FormatInt(fx.incB.ID, 10)
	obsA := strconv.FormatInt(fx.obsA, 10)
	contactA := "/observers/" + strconv.FormatInt(fx.users[actObsA].ObserverID, 10) + "/contact"
	// Region B's coordinator files an incident in region A through the store (as a
	// national coordinator could have, before being limited): they see what they
	// filed, but the decision on it belongs to region A.
	coordB := fx.users[actCoordB]
	crossIn, fe := report.DecodeIncidentJSON([]byte(incJSON("cross", stationA, "filed across")))
	if fe != nil {
		t.Fatal(fe)
	}
	crossIn.ElectionID = fx.el.ID
	crossID, _, err := fx.h.store.SaveIncident(ctx, crossIn, coordB)
	if err != nil {
		t.Fatal(err)
	}
	cross := strconv.FormatInt(crossID, 10)
	sawA := []string{markerA, "OBS-anna"}
	probes := []probe{
		{actor: actCoordB, method: "GET", target: "/incidents", status: 200, absent: sawA},
		// Naming another region, or a station of one, is refused alike everywhere (report.ResolveScope).
		{actor: actCoordB, method: "GET", target: "/incidents?region=" + regionA, status: 403},
		{actor: actCoordB, method: "GET", target: "/incidents?station=" + stationA, status: 403},
		{actor: actCoordB, method: "GET", target: "/api/v1/elections/" + el + "/incidents?region=" + regionA, status: 403},
		{actor: actCoordB, method: "GET", target: "/api/v1/elections/" + el + "/incidents?station=" + stationA, status: 403},
		{actor: actCoordB, method: "GET", target: "/export?region=" + regionA, status: 403},
		{actor: actCoordB, method: "POST", target: "/export/incidents", form: url.Values{"format": {"csv"}, "region": {regionA}}, status: 403},
		{actor: actCoordB, method: "POST", target: "/export/pack", form: url.Values{"region": {regionA}}, status: 403},
		{actor: actObsB, method: "GET", target: "/api/v1/elections/" + el + "/incidents", status: 200, absent: sawA},
		{actor: actObsB, method: "GET", target: "/my", status: 200, absent: sawA},
		{actor: actCoordB, method: "GET", target: "/observers", status: 200, absent: []string{"OBS-anna"}},
		// (The search box shows the code searched for; the roster row would have its contact button.)
		{actor: actCoordB, method: "GET", target: "/observers?q=OBS-anna", status: 200, absent: []string{contactA}},
		{actor: actCoordB, method: "GET", target: "/stations/search?q=071", status: 200, absent: []string{stationA}},
		{actor: actCoordB, method: "GET", target: "/dashboard?region=" + regionA, status: 403},
		{actor: actCoordB, method: "GET", target: "/dashboard/export.csv?region=" + regionA, status: 403},
		{actor: actCoordB, method: "GET", target: "/dashboard/export.xlsx?region=" + regionA, status: 403},
		{actor: actCoordB, method: "GET", target: "/api/v1/elections/" + el + "/stats?region=" + regionA, status: 403},
		{actor: actCoordB, method: "GET", target: "/results/station?code=" + stationA, status: 403},
		{actor: actCoordB, method: "GET", target: "/dashboard", status: 200, absent: []string{">Almaty<", "region=" + regionA}},
		{actor: actCoordA, method: "GET", target: "/incidents/" + incB, status: 404},
		{actor: actCoordA, method: "POST", target: "/incidents/" + incB + "/status", form: url.Values{"status": {"rejected"}, "note": {"no"}}, status: 404},
		// The file of A's incident named through B's own incident, and the other way round.
		{actor: actObsB, method: "GET", target: "/evidence/" + fx.evA.SHA256 + "/view?incident=" + incB, status: 404},
		{actor: actObsB, method: "GET", target: "/evidence/" + fx.evB.SHA256 + "/original?incident=" + incA, status: 404},
		{actor: actObsB, method: "GET", target: "/evidence/" + fx.evA.SHA256 + "/original", status: 404},
		// Filing on someone else's observation.
		{actor: actObsB, method: "GET", target: "/incidents/new?observation=" + obsA, status: 404},
		{actor: actObsB, method: "POST", target: "/incidents", form: withObservation(incidentForm("b-on-a", stationB, "on A's form"), obsA), status: 404},
		{actor: actObsB, method: "POST", target: "/api/v1/elections/" + el + "/incidents", status: 400,
			json: `{"client_id": "b-on-a", "observation_id": ` + obsA + `, "category": "carousel_voting", "occurred_at": "2022-11-20T11:00:00+06:00", "witnessed": true}`},
		// A region-limited coordinator works in their region, on the forms and in the API alike.
		{actor: actCoordB, method: "POST", target: "/observations", form: voteForm("b-in-a", stationA, "across"), status: 422},
		{actor: actCoordB, method: "POST", target: "/incidents", form: incidentForm("b-in-a", stationA, "across"), status: 422},
		{actor: actCoordB, method: "POST", target: "/api/v1/elections/" + el + "/observations", json: obsJSON("b-in-a", stationA, "across"), status: 400},
		{actor: actCoordB, method: "POST", target: "/api/v1/elections/" + el + "/incidents", json: incJSON("b-in-a", stationA, "across"), status: 400},
		{actor: actCoordB, method: "POST", target: "/observers/invite", form: url.Values{"code": {"OBS-anna"}, "stations": {stationB}}, status: 404},
		{actor: actCoordB, method: "POST", target: "/observers/invite", form: url.Values{"code": {"OBS-new-b"}, "stations": {stationA}}, status: 422},
		// Exports: another region's station or incident ids give nothing of it.
		{actCoordB, "POST", "/export/incidents", url.Values{"format": {"csv"}, "station": {stationA}}, "", 403, sawA},
		{actCoordB, "POST", "/export/incidents", url.Values{"format": {"json"}, "ids": {incA}}, "", 200, sawA},
		{actCoordB, "POST", "/export/incidents", url.Values{"format": {"csv"}, "ids": {incA + "," + incB}}, "", 200, sawA},
		{actCoordB, "GET", "/export?preview=1&ids=" + incA, nil, "", 200, sawA},
		// What one filed across regions: readable, not decided by its filer.
		{actor: actCoordB, method: "GET", target: "/incidents/" + cross, status: 200},
		{actor: actCoordB, method: "POST", target: "/incidents/" + cross + "/status", form: url.Values{"status": {"verified"}, "note": {"mine"}}, status: 403},
		{actor: actCoordB, method: "POST", target: "/api/v1/incidents/" + cross + "/status", json: `{"status": "verified", "note": "mine"}`, status: 403},
	}
	for _, p := range probes {
		for _, bearer := range fx.variants(p.method+" "+p.target, p.actor) {
			r := request{form: p.form, json: p.json}
			before := fx.snapshot()
			resp, body := fx.send(fx.clients[p.actor], bearer, p.method, p.target, r)
			what := p.actor + " " + p.method + " " + p.target
			if bearer != "" {
				what += " (token)"
			}
			if resp.StatusCode != p.status {
				t.Errorf("%s: got %s, want %d", what, describe(resp, body), p.status)
				continue
			}
			for _, s := range p.absent {
				if strings.Contains(body, s) {
					t.Errorf("%s shows %q, which is out of the caller's scope", what, s)
				}
			}
			if p.method != http.MethodGet && resp.StatusCode >= 400 {
				if diff := changed(before, fx.snapshot()); len(diff) > 0 {
					t.Errorf("%s was refused (%d) but changed %v", what, resp.StatusCode, diff)
				}
			}
		}
	}
	// An evidence pack of another region's incident ids holds nothing of them.
	resp, body := fx.send(fx.clients[actCoordB], "", http.MethodPost, "/export/pack", request{form: url.Values{"ids": {incA}}})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("region B's pack of A's ids: %s", describe(resp, body))
	} else {
		for name, data := range unzipAll(t, []byte(body)) {
			if strings.Contains(string(data), markerA) || strings.Contains(name, fx.evA.SHA256) {
				t.Errorf("region B's pack of A's ids holds A's %s", name)
			}
		}
	}
	// A disabled account's session and token stop working at once.
	gone := fx.h.user(report.RoleCoordinator, "disabled-one", regionA)
	goneTok := fx.h.token(gone)
	goneCl := fx.h.client()
	goneCl.login(gone.Login)
	fx.send(fx.clients[actAdmin], "", http.MethodPost, "/admin/users/"+strconv.FormatInt(gone.ID, 10)+"/disable", request{})
	if resp, _ := goneCl.get("/incidents"); classify(resp) != toLogin {
		t.Errorf("a disabled account's session still works: %d", resp.StatusCode)
	}
	if resp, _ := fx.h.api(http.MethodGet, "/api/v1/incidents/"+incA, goneTok, "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a disabled account's token still works: %d", resp.StatusCode)
	}
	if in, _ := fx.h.store.Incident(ctx, crossID); in.Status != report.StatusNew {
		t.Errorf("the filer from another region decided on the incident: %s", in.Status)
	}
	if in, _ := fx.h.store.Incident(ctx, fx.incB.ID); in.Status != report.StatusNew {
		t.Errorf("region A's coordinator decided on region B's incident: %s", in.Status)
	}
}

func withObservation(v url.Values, id string) url.Values {
	v.Set("observation_id", id)
	return v
}
