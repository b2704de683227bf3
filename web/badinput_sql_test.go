package web

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// SQL's special characters in search boxes, filters and forms: stored and shown as
// typed, nothing dropped, and % or _ matching only themselves.

const sqlDrop = `'; DROP TABLE incidents; --`

func TestSQLCharactersAreJustText(t *testing.T) {
	fx := newAccessFixture(t)
	ctx := context.Background()
	coord, anna := fx.clients[actNational], fx.clients[actObsA]
	// Stations whose names hold the LIKE wildcards and quotes.
	fx.send(fx.clients[actAdmin], "", http.MethodPost, "/admin/elections/"+fx.el.Code+"/stations", request{
		files: map[string][2]string{"file": {"s.csv", "code,name,region,region_code\n" +
			"071-101,Hall 100%,Almaty,ALM\n071-102,Under_score hall,Almaty,ALM\n071-103,\"O'Brien \"\"quoted\"\" hall\",Almaty,ALM\n"}}})

	// The picker's search: each character finds only what holds it.
	search := func(q string) []string {
		t.Helper()
		resp, body := coord.get("/stations/search?q=" + url.QueryEscape(q))
		var hits []stationHit
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &hits) != nil {
			t.Fatalf("search %q: %s", q, describe(resp, body))
		}
		var codes []string
		for _, h := range hits {
			codes = append(codes, h.Code)
		}
		slices.Sort(codes)
		return codes
	}
	for q, want := range map[string][]string{
		"%": {"071-101"}, "_": {"071-102"}, "100%": {"071-101"}, "'": {"071-103"}, `"quoted"`: {"071-103"},
		"O'Brien": {"071-103"}, sqlDrop: nil, `%' OR '1'='1`: nil, "\\": nil, "071-10%": nil, "071-10_": nil,
	} {
		if got := search(q); !slices.Equal(got, want) {
			t.Errorf("search %q found %v, want %v", q, got, want)
		}
	}
	if got := search("071-10"); len(got) != 3 {
		t.Errorf("after all that, a plain search finds %v", got)
	}

	// Forms: an incident described in SQL and an observation with quotes and
	// wildcards are kept and shown exactly as typed.
	desc := sqlDrop + ` 100% _x_ "q" \n`
	resp, body := fx.send(anna, "", http.MethodPost, "/incidents", request{form: incidentForm("sql-inc", stationA, desc)})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("incident: %s", describe(resp, body))
	}
	notes := `50% of "voters"; O'Brien_1 -- ` + sqlDrop
	resp, body = fx.send(anna, "", http.MethodPost, "/observations", request{form: voteForm("sql-obs", stationA, notes)})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("observation: %s", describe(resp, body))
	}
	obsID, _ := strconv.ParseInt(strings.TrimPrefix(resp.Header.Get("Location"), "/observations/"), 10, 64)
	incs, err := fx.h.store.Incidents(ctx, report.IncidentFilter{ElectionID: fx.el.ID, Limit: 100})
	if err != nil {
		t.Fatalf("the incidents table after %q: %v", sqlDrop, err)
	}
	var inc report.Incident
	for _, in := range incs {
		if in.ClientID == "sql-inc" {
			inc = in
		}
	}
	if inc.Description != strings.TrimSpace(desc) {
		t.Errorf("description stored as %q, typed %q", inc.Description, desc)
	}
	if o, err := fx.h.store.Observation(ctx, obsID); err != nil || o.Notes != notes {
		t.Errorf("notes stored as %q (%v), typed %q", o.Notes, err, notes)
	}
	_, body = coord.get("/incidents/" + strconv.FormatInt(inc.ID, 10))
	if !strings.Contains(body, html.EscapeString(strings.TrimSpace(desc))) {
		t.Errorf("the incident page does not show the description as typed")
	}
	_, body = coord.get("/observations/" + strconv.FormatInt(obsID, 10))
	if !strings.Contains(body, html.EscapeString(notes)) {
		t.Errorf("the observation page does not show the notes as typed")
	}

	// Filters: a wildcard or a quote is a value like any other, never "everything".
	all := len(incs)
	for _, q := range []string{"category=%25", "category=_", "category=" + url.QueryEscape(`' OR '1'='1`), "station=%25",
		"station=" + url.QueryEscape(sqlDrop), "region=%25", "district=%25&region=ALM", "status=%25", "witnessed=%25"} {
		resp, body := coord.get("/incidents?" + q)
		if resp.StatusCode >= 500 || strings.Count(body, `class="rowlink"`) != 0 {
			t.Errorf("/incidents?%s: %d, %d rows", q, resp.StatusCode, strings.Count(body, `class="rowlink"`))
		}
		resp, text := fx.h.api(http.MethodGet, "/api/v1/elections/"+fx.el.Code+"/incidents?"+q, fx.tokens[actNational], "", nil)
		var l incidentListJSON
		json.Unmarshal([]byte(text), &l)
		if resp.StatusCode >= 500 || len(l.Incidents) != 0 {
			t.Errorf("API list ?%s: %d, %d incidents", q, resp.StatusCode, len(l.Incidents))
		}
	}
	if resp, body := coord.get("/incidents"); strings.Count(body, `class="rowlink"`) != all {
		t.Errorf("/incidents lists %d of %d incidents (%d)", strings.Count(body, `class="rowlink"`), all, resp.StatusCode)
	}
	for _, q := range []string{"%", "_", "OBS-%", "OBS-_nna", "'", sqlDrop} {
		resp, body := coord.get("/observers?q=" + url.QueryEscape(q))
		if resp.StatusCode >= 500 || strings.Contains(body, `/contact"`) {
			t.Errorf("/observers?q=%s: %d, lists observers", q, resp.StatusCode)
		}
	}
	if _, body := coord.get("/observers?q=OBS-an"); !strings.Contains(body, "OBS-anna") {
		t.Errorf("the roster search no longer finds by prefix")
	}
	for _, q := range []string{"region=%25", "region=" + url.QueryEscape(sqlDrop), "district=%25&region=ALM"} {
		if resp, body := coord.get("/dashboard?" + q); resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("/dashboard?%s: %s", q, describe(resp, body))
		}
	}
	// Signing in with SQL is a wrong password, nothing more.
	anon := fx.signIn(actAnon)
	for _, login := range []string{`' OR '1'='1`, `anna' --`, `anna"; --`, "%", "_nna"} {
		if resp, _ := anon.post("/login", url.Values{"login": {login}, "password": {`' OR '1'='1`}}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("sign-in as %q: %d", login, resp.StatusCode)
		}
	}
}
