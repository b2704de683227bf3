package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// HTML in every text field people or imported files can fill: stored as typed,
// shown only escaped on every page that shows it, JSON-escaped in the API.

// xss is a field's tag with both payloads: one for element content, one for attributes.
func xss(tag string) string {
	return tag + `<script>alert(1)</script>"><img src=x onerror=alert(1)>`
}

// rawXSS are what must never reach a page as markup.
var rawXSS = []string{"<script>alert(1)", "<img src=x"}

// xssFileName is a file name's payload: without a slash, which would end the name.
const xssFileName = `evidence-name<img src=x onerror=alert(1)>"'.jpg`

// xssFixture fills every text field with its payload, through the pages and the
// import files, as the people who may fill them.
type xssFixture struct {
	*accessFixture
	inc, obs int64
}

func newXSSFixture(t *testing.T) *xssFixture {
	t.Helper()
	fx := &xssFixture{accessFixture: newAccessFixture(t)}
	admin, coord, anna := fx.clients[actAdmin], fx.clients[actNational], fx.clients[actObsA]
	post := func(c *client, path string, r request, want int) string {
		t.Helper()
		resp, body := fx.send(c, "", http.MethodPost, fx.url("POST "+path, r), r)
		if resp.StatusCode != want {
			t.Fatalf("POST %s: %s, want %d\n%s", path, describe(resp, body), want, body)
		}
		return body
	}
	// Imported files: a station with every name a payload, assigned to observer A.
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"code", "name", "region", "region_code", "district", "district_code", "address"})
	w.Write([]string{"071-099", xss("station-name"), xss("region-name"), "XSS", xss("district-name"), "XSS-1", xss("address")})
	w.Flush()
	post(admin, "/admin/elections/:code/stations", request{params: map[string]string{"code": fx.el.Code},
		files: map[string][2]string{"file": {xss("file-name") + ".csv", b.String()}}}, http.StatusSeeOther)
	b.Reset()
	w.Write([]string{"code", "name", "stations"})
	w.Write([]string{"OBS-anna", xss("contact-name"), "071-023;071-099"})
	w.Flush()
	post(admin, "/admin/elections/:code/observers", request{params: map[string]string{"code": fx.el.Code},
		files: map[string][2]string{"file": {"o.csv", b.String()}}}, http.StatusSeeOther)
	post(admin, "/admin/elections", request{form: url.Values{"code": {"xss-el"}, "name": {xss("election-name")}, "date": {"2001-01-01"}}}, http.StatusSeeOther)

	// Observer A's forms: notes, a description, a file name.
	post(anna, "/observations", request{form: voteForm("xss-obs", "071-099", xss("notes"))}, http.StatusSeeOther)
	post(anna, "/incidents", request{form: incidentForm("xss-inc", "071-099", xss("description")),
		files: map[string][2]string{"evidence": {xssFileName, string(smallJPEG(t, 7))}}}, http.StatusSeeOther)
	ctx := context.Background()
	incs, err := fx.h.store.Incidents(ctx, report.IncidentFilter{ElectionID: fx.el.ID, UserID: fx.users[actObsA].ID, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range incs {
		if in.Description == xss("description") {
			fx.inc = in.ID
		}
	}
	obs, err := fx.h.store.MyObservations(ctx, fx.users[actObsA].ID, fx.el.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range obs {
		if o.Notes == xss("notes") {
			fx.obs = o.ID
		}
	}
	if fx.inc == 0 || fx.obs == 0 {
		t.Fatalf("the texts were not stored as typed: incident %d, observation %d", fx.inc, fx.obs)
	}
	// The coordinator's decision, with its note.
	post(coord, "/incidents/:id/status", request{params: id(fx.inc), form: url.Values{"status": {"rejected"}, "note": {xss("note")}}}, http.StatusSeeOther)
	return fx
}

// shownPage is one page to read, and the fields it must show (escaped).
type shownPage struct {
	actor, path string
	shows       []string
}

func TestHTMLInTextFieldsShownEscaped(t *testing.T) {
	fx := newXSSFixture(t)
	inc, obs := strconv.FormatInt(fx.inc, 10), strconv.FormatInt(fx.obs, 10)
	q := url.QueryEscape(xss("query"))
	pages := []shownPage{
		{actNational, "/incidents/" + inc, []string{"description", "station-name", "note"}},
		{actNational, "/incidents", nil},
		{actNational, "/incidents?region=XSS", nil},
		{actNational, "/incidents?station=" + q + "&category=" + q + "&status=" + q, []string{"query"}},
		{actNational, "/observations/" + obs, []string{"notes", "station-name"}},
		{actNational, "/dashboard", []string{"region-name"}},
		{actNational, "/dashboard?region=XSS", []string{"district-name"}},
		{actNational, "/dashboard?region=XSS&district=XSS-1", []string{"station-name"}},
		{actNational, "/observers", nil},
		{actNational, "/observers?q=" + q, []string{"query"}},
		{actObsA, "/my", []string{"station-name"}},
		{actObsA, "/observations/" + obs, []string{"notes"}},
		{actObsA, "/incidents/" + inc, []string{"description", "note"}},
		{actObsA, "/incidents/" + inc + "/edit", []string{"description"}},
		{actObsA, "/incidents/new?station=071-099", []string{"station-name"}},
		{actObsA, "/observations/new?phase=voting&station=071-099", []string{"station-name"}},
		{actAdmin, "/admin", []string{"election-name"}},
		{actAdmin, "/admin/elections/" + fx.el.Code, []string{"region-name"}},
		{actAdmin, "/admin/users", nil},
		{actNational, "/export?region=XSS&preview=1", []string{"region-name"}},
		{actNational, "/verify", nil},
		{actAnon, "/login?next=" + q, nil},
	}
	for _, p := range pages {
		resp, body := fx.clients[p.actor].get(p.path)
		if resp.StatusCode >= 500 {
			t.Errorf("%s as %s: %s", p.path, p.actor, describe(resp, body))
			continue
		}
		checkEscaped(t, p.actor+" "+p.path, body, p.shows)
		if strings.HasPrefix(p.path, "/incidents/"+inc) && !strings.HasSuffix(p.path, "/edit") && !strings.Contains(body, html.EscapeString(xssFileName)) {
			t.Errorf("%s does not show the file name (escaped)", p.path)
		}
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode == http.StatusOK && !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: Content-Type %q", p.path, ct)
		}
		if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("%s: no script-src in the Content-Security-Policy", p.path)
		}
	}

	// What the pages send back as typed: a sign-in, an invitation, a roster form.
	anon := fx.signIn(actAnon)
	_, body := anon.post("/login", url.Values{"login": {xss("login")}, "password": {"wrong password"}})
	checkEscaped(t, "sign-in form", body, []string{"login"})
	_, body = anon.get("/invite/" + fx.invite)
	_, body = anon.post("/invite/"+fx.invite, url.Values{"login": {xss("invite-login")}, "password": {testPassword}, "password2": {testPassword}})
	checkEscaped(t, "invitation form", body, []string{"invite-login"})
	_, body = fx.clients[actNational].post("/observers/invite", url.Values{"code": {xss("code")}, "stations": {xss("stations")}})
	checkEscaped(t, "observer invitation form", body, []string{"code", "stations"})
	_, body = fx.clients[actAdmin].post("/admin/elections", url.Values{"code": {xss("election-code")}, "name": {xss("new-name")}, "date": {xss("date")}})
	checkEscaped(t, "new election form", body, []string{"election-code", "new-name", "date"})
	_, body = fx.clients[actNational].post("/observers/"+strconv.FormatInt(fx.users[actObsA].ObserverID, 10)+"/contact", nil)
	checkEscaped(t, "observer's contact", body, []string{"contact-name"})
	resp, body := fx.send(fx.clients[actAdmin], "", http.MethodPost, "/admin/elections/"+fx.el.Code+"/stations",
		request{files: map[string][2]string{"file": {xssFileName, "code,colour\n"}}})
	checkEscaped(t, "import errors", body, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, html.EscapeString(xssFileName)) {
		t.Errorf("import errors: %d, the file name not shown escaped", resp.StatusCode)
	}
	// The failed sign-in's typed name is kept only as a keyed hash (issue 16,
	// finding 8): the audit page must not show it at all, escaped or not.
	_, body = fx.clients[actAdmin].get("/admin/audit")
	checkEscaped(t, "/admin/audit", body, nil)
	if strings.Contains(body, html.EscapeString(xss("login"))) {
		t.Errorf("/admin/audit shows the name typed at a failed sign-in")
	}

	// JSON answers escape the markup too (and say they are JSON).
	for _, p := range []shownPage{
		{actNational, "/stations/search?q=071-099", nil},
		{actNational, "/api/v1/incidents/" + inc, nil},
		{actNational, "/api/v1/elections/" + fx.el.Code + "/incidents", nil},
		{actNational, "/api/v1/elections/" + fx.el.Code + "/stats?region=XSS", nil},
	} {
		resp, body := fx.send(fx.clients[p.actor], fx.tokens[p.actor], http.MethodGet, p.path, request{})
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: %s %q", p.path, describe(resp, body), resp.Header.Get("Content-Type"))
		}
		for _, raw := range rawXSS {
			if strings.Contains(body, raw) {
				t.Errorf("%s: raw %q in the JSON", p.path, raw)
			}
		}
		if p.path != "/stations/search?q=071-099" && !strings.Contains(body, `\u003cscript\u003e`) && !strings.Contains(p.path, "/stats") {
			t.Errorf("%s does not show the description (escaped)", p.path)
		}
	}
}

// checkEscaped fails for markup of a payload on the page, and for a field the page
// should show but does not (then the first check proved nothing).
func checkEscaped(t *testing.T, what, body string, shows []string) {
	t.Helper()
	for _, raw := range rawXSS {
		if i := strings.Index(body, raw); i >= 0 {
			t.Errorf("%s: raw %q on the page: …%s…", what, raw, body[max(0, i-80):min(len(body), i+60)])
		}
	}
	for _, tag := range shows {
		if !strings.Contains(body, html.EscapeString(xss(tag))) {
			t.Errorf("%s does not show the %s (escaped)", what, tag)
		}
	}
}
