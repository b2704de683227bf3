package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// How the access suite calls each route: the path parameters from the fixture, and
// for the routes that write, what a refused caller sends (it would change something
// if it got through) and a fresh target for each allowed caller, so that allowed
// calls leave the shared records as they were.

// request is one call: path parameters (over the fixture's), a query, and a body.
type request struct {
	params map[string]string
	query  string
	form   url.Values
	// files makes the body multipart: field name → (file name, content).
	files map[string][2]string
	json  string
}

// sessionUse says which browser an allowed call of a writing route runs in.
type sessionUse int

const (
	sameSession sessionUse = iota // a copy of the actor's cookies
	newSession                    // a new sign-in (the call ends or upgrades its session)
)

type routeInput struct {
	deny    func() request
	allow   func(actor string) request
	session func(actor string) sessionUse
}

// param is the fixture's value for a path parameter of a route.
func (fx *accessFixture) param(key, name string) string {
	path := strings.SplitN(key, " ", 2)[1]
	switch name {
	case "code":
		return fx.el.Code
	case "token":
		return fx.invite
	case "sha":
		return fx.evA.SHA256
	case "gateway":
		return "acc-gateway"
	case "id":
		switch {
		case strings.HasPrefix(path, "/observations/"):
			return strconv.FormatInt(fx.obsA, 10)
		case strings.HasPrefix(path, "/admin/users/"):
			return strconv.FormatInt(fx.victim.ID, 10)
		case strings.HasPrefix(path, "/observers/"):
			return strconv.FormatInt(fx.users[actObsA].ObserverID, 10)
		default: // incidents, on pages and in the API
			return strconv.FormatInt(fx.incA.ID, 10)
		}
	}
	fx.t.Fatalf("%s: no fixture value for :%s: add one in accessFixture.param", key, name)
	return ""
}

// url fills the route's parameters.
func (fx *accessFixture) url(key string, r request) string {
	path := strings.SplitN(key, " ", 2)[1]
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			v, ok := r.params[s[1:]]
			if !ok {
				v = fx.param(key, s[1:])
			}
			segs[i] = url.PathEscape(v)
		}
	}
	out := strings.Join(segs, "/")
	if r.query != "" {
		out += "?" + r.query
	}
	return out
}

// getQuery is what the GET routes need besides their path.
func (fx *accessFixture) getQuery(key string) string {
	switch {
	case strings.HasPrefix(key, "GET /evidence/"):
		return "incident=" + strconv.FormatInt(fx.incA.ID, 10)
	case key == "GET /stations/search":
		return "q=071"
	case key == "GET /lang":
		return "to=en&back=/"
	case key == "GET /export":
		return "region=" + regionA + "&preview=1" // region B's coordinator may not
	}
	return ""
}

func stationOf(actor string) string {
	if actor == actObsB || actor == actCoordB {
		return stationB
	}
	return stationA
}

func voteForm(clientID, station, notes string) url.Values {
	return url.Values{"client_id": {clientID}, "phase": {"voting"}, "station": {station}, "arrived_at": {"2022-11-20T10:00"},
		"assessment": {"good"}, "notes": {notes}, "action": {"submit"}}
}

func incidentForm(clientID, station, desc string) url.Values {
	return url.Values{"client_id": {clientID}, "station": {station}, "phase": {"voting"}, "category": {"carousel_voting"},
		"occurred_at": {"2022-11-20T11:00"}, "witnessed": {"true"}, "description": {desc}}
}

func id(n int64) map[string]string { return map[string]string{"id": strconv.FormatInt(n, 10)} }

// input is how to call a route that writes. Every POST route needs a case here.
func (fx *accessFixture) input(key string) (routeInput, bool) {
	same := func(string) sessionUse { return sameSession }
	fixed := func(r request) func() request { return func() request { return r } }
	fresh := func(string) request { return request{} }
	in := routeInput{session: same}
	n := func() string { return strconv.Itoa(fx.next()) }
	jpg := [2]string{"deny.jpg", string(smallJPEG(fx.t, 5))}
	switch key {
	case "POST /login":
		in.deny = fixed(request{})
		in.allow = func(string) request {
			return request{form: url.Values{"login": {fx.spare.Login}, "password": {testPassword}}}
		}
	case "POST /logout":
		in.deny, in.allow = fixed(request{}), fresh
		in.session = func(string) sessionUse { return newSession }
	case "POST /login/2fa":
		in.deny = fixed(request{form: url.Values{"code": {"000000"}}})
		in.allow = func(a string) request {
			code := "000000"
			if a == actPending {
				code = fx.h.clock.code(fx.secrets[a])
			}
			return request{form: url.Values{"code": {code}}}
		}
		in.session = func(a string) sessionUse {
			if a == actPending {
				return newSession
			}
			return sameSession
		}
	case "POST /account/2fa":
		// Refused: someone's own secret with its right code (it would replace the
		// account's TOTP). Allowed: a wrong code, shown again (enrolling for real would
		// change how the account signs in for the rest of the suite).
		in.deny = func() request {
			k, _ := totp.Generate(totp.GenerateOpts{Issuer: "Attacker", AccountName: "x"})
			code, _ := totp.GenerateCode(k.Secret(), time.Now())
			return request{form: url.Values{"secret": {k.Secret()}, "code": {code}}}
		}
		in.allow = func(string) request {
			return request{form: url.Values{"secret": {"JBSWY3DPEHPK3PXP"}, "code": {"000000"}}}
		}
	case "POST /account/alerts":
		form := url.Values{"category": {"observer_removed", "carousel_voting"}, "email_on": {"on"}, "email": {"hq@example.org"}}
		in.deny, in.allow = fixed(request{form: form}), func(string) request { return request{form: form} }
	case "POST /account/telegram":
		in.deny, in.allow = fixed(request{}), fresh
	case "POST /intake/telegram":
		in.deny = fixed(request{json: `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":false,"first_name":"X"},"text":"/start x"}}`})
		in.allow = func(string) request { return in.deny() }
	case "POST /account/tokens/revoke":
		// A refused caller aims at observer A's first token; each allowed one revokes
		// a new token of its own.
		in.deny = fixed(request{form: url.Values{"id": {"1"}}})
		in.allow = func(a string) request {
			_, id, err := fx.h.store.CreateNamedAPIToken(context.Background(), fx.users[a].ID, "spare", time.Hour, report.User{})
			if err != nil {
				fx.t.Fatal(err)
			}
			return request{form: url.Values{"id": {strconv.FormatInt(id, 10)}}}
		}
	case "POST /sessions/revoke":
		in.deny = fixed(request{form: url.Values{"id": {fx.spareSess}}})
		in.allow = func(string) request { return request{form: url.Values{"id": {fx.freshSession()}}} }
	case "POST /setup/:token", "POST /invite/:token":
		in.deny = fixed(request{})
		in.allow = func(a string) request {
			// The anonymous visitor accepts for real; the others get the form back
			// (mismatched passwords): let through all the same, without hashing a
			// password for each.
			pw2 := testPassword
			if a != actAnon {
				pw2 += "?"
			}
			return request{params: map[string]string{"token": fx.freshInvite()},
				form: url.Values{"login": {"invited-" + n()}, "password": {testPassword}, "password2": {pw2}}}
		}
	case "POST /admin/elections":
		in.deny = fixed(request{form: url.Values{"code": {"deny-el"}, "name": {"Refused"}, "date": {"2001-02-03"}}})
		in.allow = func(string) request {
			return request{form: url.Values{"code": {"acc-el-" + n()}, "name": {"Allowed"}, "date": {"2001-02-03"}}}
		}
	case "POST /admin/elections/:code/stations":
		csv := func(code string) request {
			return request{params: map[string]string{"code": fx.side.Code},
				files: map[string][2]string{"file": {"s.csv", "code,region,region_code\n" + code + ",Side,SID\n"}}}
		}
		in.deny = fixed(csv("S-DENY"))
		in.allow = func(string) request { return csv("S-" + n()) }
	case "POST /admin/elections/:code/observers":
		csv := func(code string) request {
			return request{params: map[string]string{"code": fx.side.Code},
				files: map[string][2]string{"file": {"o.csv", "code,region_code,stations\n" + code + ",SID,S-1\n"}}}
		}
		in.deny = fixed(csv("OBS-DENY"))
		in.allow = func(string) request { return csv("OBS-SIDE-" + n()) }
	case "POST /admin/invites":
		in.deny = fixed(request{form: url.Values{"role": {"admin"}}})
		in.allow = func(string) request { return request{form: url.Values{"role": {"coordinator"}, "region": {regionA}}} }
	case "POST /admin/users/:id/disable":
		in.deny = fixed(request{})
		in.allow = func(string) request {
			return request{params: id(fx.h.user(report.RoleCoordinator, "gone-"+n(), regionA).ID)}
		}
	case "POST /admin/users/:id/enable":
		// Refused: a disabled account, which would be enabled (made here, before any
		// snapshot; refusals leave it disabled). Allowed: a fresh disabled account each.
		disabled := func() int64 {
			u := fx.h.user(report.RoleCoordinator, "off-"+n(), regionA)
			if err := fx.h.store.DisableUser(context.Background(), u.ID, fx.users[actAdmin]); err != nil {
				fx.t.Fatal(err)
			}
			return u.ID
		}
		in.deny = fixed(request{params: id(disabled())})
		in.allow = func(string) request { return request{params: id(disabled())} }
	case "POST /admin/elections/:code/questions":
		q := func(code string) request {
			return request{params: map[string]string{"code": fx.side.Code}, form: url.Values{"code": {code}, "phase": {"voting"},
				"problem": {"yes"}, "text_en": {"Were buses seen?"}, "text_ru": {"Были ли автобусы?"}, "text_kk": {"Автобустар болды ма?"}}}
		}
		in.deny = fixed(q("deny_question"))
		in.allow = func(string) request { return q("acc_question_" + n()) }
	case "POST /admin/elections/:code/categories":
		cat := func(code string) request {
			return request{form: url.Values{"code": {code}, "phase": {"voting"},
				"name_en": {"Buses"}, "name_ru": {"Автобусы"}, "name_kk": {"Автобустар"},
				"definition_en": {"Voters brought by bus"}, "definition_ru": {"Подвоз автобусами"}, "definition_kk": {"Автобуспен тасымалдау"}}}
		}
		in.deny = fixed(cat("deny_category"))
		in.allow = func(string) request { return cat("acc_category_" + n()) }
	case "POST /admin/elections/:code/categories/retire", "POST /admin/elections/:code/categories/restore":
		// Refused: retiring a standard category, or restoring a retired one made here
		// (before any snapshot). Allowed: a fresh category each, retired to restore.
		restore := strings.HasSuffix(key, "/restore")
		category := func() string {
			code := "acc_category_" + n()
			ctx := context.Background()
			if _, err := fx.h.store.AddCategory(ctx, code, report.PhaseVoting, report.Texts{EN: "x", RU: "x", KK: "x"}, report.Texts{EN: "x", RU: "x", KK: "x"}, fx.users[actAdmin]); err != nil {
				fx.t.Fatal(err)
			}
			if restore {
				if err := fx.h.store.RetireCategory(ctx, code, fx.users[actAdmin]); err != nil {
					fx.t.Fatal(err)
				}
			}
			return code
		}
		if restore {
			in.deny = fixed(request{form: url.Values{"code": {category()}}})
		} else {
			in.deny = fixed(request{form: url.Values{"code": {"campaigning"}}})
		}
		in.allow = func(string) request { return request{form: url.Values{"code": {category()}}} }
	case "POST /observers/invite":
		in.deny = fixed(request{form: url.Values{"code": {"OBS-DENY"}, "stations": {stationA}}})
		in.allow = func(a string) request {
			return request{form: url.Values{"code": {"OBS-NEW-" + n()}, "stations": {stationOf(a)}}}
		}
	case "POST /observers/:id/contact":
		in.deny = fixed(request{})
		in.allow = func(string) request { return request{} }
	case "POST /observations":
		in.deny = fixed(request{form: voteForm("deny-obs", stationA, "refused")})
		in.allow = func(a string) request { return request{form: voteForm("acc-obs-"+n(), stationOf(a), "allowed")} }
	case "POST /observations/:id/edit":
		in.deny = fixed(request{form: voteForm("", stationA, "overwritten by someone else")})
		in.allow = func(a string) request {
			o := fx.observation(actObsA, "acc-obs-"+n(), stationA, "to edit")
			return request{params: id(o), form: voteForm("", stationA, "edited")}
		}
	case "POST /incidents":
		in.deny = fixed(request{form: incidentForm("deny-inc", stationA, "refused")})
		in.allow = func(a string) request { return request{form: incidentForm("acc-inc-"+n(), stationOf(a), "allowed")} }
	case "POST /incidents/:id/edit":
		in.deny = fixed(request{form: incidentForm("", stationA, "overwritten by someone else")})
		in.allow = func(string) request {
			return request{params: id(fx.incident(actObsA, "acc-inc-"+n(), stationA, "to edit").ID), form: incidentForm("", stationA, "edited")}
		}
	case "POST /incidents/:id/status", "POST /api/v1/incidents/:id/status":
		form := url.Values{"status": {"verified"}, "note": {"checked by phone"}}
		js := `{"status": "verified", "note": "checked by phone"}`
		if strings.Contains(key, "/api/") {
			form = nil
		} else {
			js = ""
		}
		in.deny = fixed(request{form: form, json: js})
		in.allow = func(string) request {
			return request{params: id(fx.incident(actObsA, "acc-inc-"+n(), stationA, "to verify").ID), form: form, json: js}
		}
	case "POST /incidents/:id/evidence", "POST /api/v1/incidents/:id/evidence":
		field := "evidence"
		if strings.Contains(key, "/api/") {
			field = "file"
		}
		in.deny = fixed(request{files: map[string][2]string{field: jpg}})
		in.allow = func(string) request {
			return request{params: id(fx.incident(actObsA, "acc-inc-"+n(), stationA, "to attach to").ID), files: map[string][2]string{field: jpg}}
		}
	case "POST /api/v1/elections/:code/observations":
		in.deny = fixed(request{json: obsJSON("deny-obs", stationA, "refused")})
		in.allow = func(a string) request { return request{json: obsJSON("acc-obs-"+n(), stationOf(a), "allowed")} }
	case "POST /api/v1/elections/:code/incidents":
		in.deny = fixed(request{json: incJSON("deny-inc", stationA, "refused")})
		in.allow = func(a string) request { return request{json: incJSON("acc-inc-"+n(), stationOf(a), "allowed")} }
	case "POST /export/pack", "POST /export/incidents":
		// Region A's scope: region B's coordinator is refused (and nothing is logged).
		form := url.Values{"region": {regionA}, "format": {"csv"}}
		in.deny = fixed(request{form: form})
		in.allow = func(string) request { return request{form: form} }
	case "POST /results/discrepancies/incident":
		// Observer A's observation, in region A: region B's coordinator may not reach it.
		form := url.Values{"observation_id": {strconv.FormatInt(fx.obsA, 10)}}
		in.deny = fixed(request{form: form})
		in.allow = func(string) request { return request{form: form} }
	case "POST /admin/elections/:code/results/preview":
		file := map[string][2]string{"file": {"r.csv", "station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1\nS-1,100,50,50,0,20\n"}}
		in.deny = fixed(request{params: map[string]string{"code": fx.side.Code}, form: url.Values{"label": {"deny"}}, files: file})
		in.allow = func(string) request {
			return request{params: map[string]string{"code": fx.side.Code}, form: url.Values{"label": {"acc-" + n()}}, files: file}
		}
	case "POST /admin/elections/:code/results":
		// A token the server never gave: the allowed caller is shown the preview again.
		in.deny = fixed(request{params: map[string]string{"code": fx.side.Code}, form: url.Values{"token": {"00"}}})
		in.allow = func(string) request {
			return request{params: map[string]string{"code": fx.side.Code}, form: url.Values{"token": {"00"}}}
		}
	case "POST /verify":
		in.deny = fixed(request{files: map[string][2]string{"pack": {"pack.zip", "not a pack"}}})
		in.allow = func(string) request { return request{files: map[string][2]string{"pack": {"pack.zip", "not a pack"}}} }
	default:
		return fx.intakeInput(key)
	}
	return in, true
}

func (fx *accessFixture) freshInvite() string {
	fx.t.Helper()
	tok, err := fx.h.store.CreateInvite(context.Background(), storage.Invite{Role: report.RoleCoordinator, RegionCode: regionA}, time.Hour, fx.users[actAdmin])
	if err != nil {
		fx.t.Fatal(err)
	}
	return tok
}

// send makes one call as a browser (cookies of c, its CSRF token in the form or, for
// the API, in the X-CSRF-Token header as the pages' script sends it) or, when bearer
// is set, with that token and no cookies.
func (fx *accessFixture) send(c *client, bearer, method, target string, r request) (*http.Response, string) {
	fx.t.Helper()
	api := strings.HasPrefix(target, "/api/")
	var body io.Reader
	ctype := ""
	switch {
	case r.files != nil:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		if bearer == "" && !api {
			mw.WriteField("csrf", c.csrf)
		}
		for k, vs := range r.form {
			for _, v := range vs {
				mw.WriteField(k, v)
			}
		}
		for field, f := range r.files {
			w, _ := mw.CreateFormFile(field, f[0])
			io.WriteString(w, f[1])
		}
		mw.Close()
		body, ctype = &buf, mw.FormDataContentType()
	case r.json != "":
		body, ctype = strings.NewReader(r.json), "application/json"
	case method != http.MethodGet:
		form := url.Values{}
		for k, v := range r.form {
			form[k] = v
		}
		if bearer == "" && !api {
			form.Set("csrf", c.csrf)
		}
		body, ctype = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	}
	req, _ := http.NewRequest(method, fx.h.ts.URL+target, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	hc := c.http
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
		hc = &http.Client{CheckRedirect: c.http.CheckRedirect}
	} else if api && method != http.MethodGet {
		req.Header.Set(csrfHeader, c.csrf)
	}
	resp, err := hc.Do(req)
	if err != nil {
		fx.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRe.FindStringSubmatch(string(b)); m != nil && bearer == "" {
		c.csrf = m[1]
	}
	return resp, string(b)
}

// describe is a short account of an answer for failure messages.
func describe(resp *http.Response, body string) string {
	s := fmt.Sprintf("%d", resp.StatusCode)
	if loc := resp.Header.Get("Location"); loc != "" {
		s += " → " + loc
	}
	if len(body) > 300 {
		body = body[:300] + "…"
	}
	if resp.StatusCode >= 400 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		s += " " + body
	}
	return s
}
