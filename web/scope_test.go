package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// One scope rule on every page and API call that takes a place: a coordinator
// limited to a region who names no region gets their own, and one who names
// another region (or a station of one) gets 403, never a quietly narrowed answer.
func TestOneScopeRuleEverywhere(t *testing.T) {
	f := newRecFixture(t)
	h := f.h
	mine := fileIncident(t, f, f.anna, "071-023", "scope-mine")
	other := fileIncident(t, f, f.boris, "USA-1", "scope-other")
	mineID, otherID := strconv.FormatInt(mine.ID, 10), strconv.FormatInt(other.ID, 10)
	coord := h.client()
	coord.login("coord") // limited to ALM
	tok := h.token(f.coord)
	api := "/api/v1/elections/" + f.el.Code

	// No region: their own region, and only it.
	type answer struct{ what, body, has, hasNot string }
	var own []answer
	_, body := coord.get("/incidents")
	own = append(own, answer{"list page", body, `href="/incidents/` + mineID + `"`, `href="/incidents/` + otherID + `"`})
	_, body = h.api(http.MethodGet, api+"/incidents", tok, "", nil)
	own = append(own, answer{"API list", body, `"id":` + mineID + `,`, `"id":` + otherID + `,`})
	_, body = coord.post("/export/incidents", url.Values{"format": {"json"}})
	own = append(own, answer{"export", body, `"id":` + mineID + `,`, `"id":` + otherID + `,`})
	_, body = h.api(http.MethodGet, api+"/stats", tok, "", nil)
	own = append(own, answer{"API statistics", body, `"region":"ALM"`, `"region":null`})
	for _, o := range own {
		flat := strings.Join(strings.Fields(o.body), "")
		if !strings.Contains(flat, o.has) || strings.Contains(flat, o.hasNot) {
			t.Errorf("%s without a region: want %s and not %s in\n%.600s", o.what, o.has, o.hasNot, o.body)
		}
	}

	// Another region, or a station of it: 403 from every entry point.
	for _, target := range []string{
		"/incidents?region=ABR", "/incidents?station=USA-1",
		"/export?region=ABR", "/export?station=USA-1",
		"/dashboard?region=ABR", "/dashboard/export.csv?region=ABR",
	} {
		if resp, _ := coord.get(target); resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s: %d, want 403", target, resp.StatusCode)
		}
	}
	for _, form := range []url.Values{{"format": {"csv"}, "region": {"ABR"}}, {"format": {"json"}, "station": {"USA-1"}}} {
		if resp, _ := coord.post("/export/incidents", form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST /export/incidents %v: %d, want 403", form, resp.StatusCode)
		}
	}
	if resp, _ := coord.post("/export/pack", url.Values{"region": {"ABR"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /export/pack of another region: %d, want 403", resp.StatusCode)
	}
	for _, target := range []string{api + "/incidents?region=ABR", api + "/incidents?station=USA-1", api + "/stats?region=ABR"} {
		resp, body := h.api(http.MethodGet, target, tok, "", nil)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `"forbidden"`) {
			t.Errorf("GET %s: %d %s, want 403", target, resp.StatusCode, body)
		}
	}
	// Its own region by name is as without one; a code that names nothing is bad input.
	if resp, body := h.api(http.MethodGet, api+"/incidents?region=ALM", tok, "", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"id":`+mineID) {
		t.Errorf("API list of its own region: %d %s", resp.StatusCode, body)
	}
	if resp, body := h.api(http.MethodGet, api+"/incidents?region=ALM&station=nope", tok, "", nil); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"station"`) {
		t.Errorf("API list of an unknown station: %d %s", resp.StatusCode, body)
	}

	// A national coordinator names any region; an observer sees only what they filed.
	admin, _ := adminClient(h, "root")
	if _, body := admin.get("/incidents?region=ABR"); !strings.Contains(body, `href="/incidents/`+otherID+`"`) {
		t.Error("the administrator's list of ABR lacks its incident")
	}
	resp, body := h.api(http.MethodGet, api+"/incidents?region=ABR", h.token(f.anna), "", nil)
	if resp.StatusCode != http.StatusOK || strings.Contains(body, `"id":`+otherID) || strings.Contains(body, `"id":`+mineID) {
		t.Errorf("an observer's list of ABR: %d %s", resp.StatusCode, body)
	}
}
