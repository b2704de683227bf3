package web

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The access suite: every registered route, called by every kind of caller, with the
// answer each must get. A route without a line in accessTable fails the suite, so a
// new route cannot ship without someone deciding who may call it.

// outcome is what a caller gets from a route.
type outcome int

const (
	ok      outcome = iota // let through: any answer below 500 that is not one of the refusals below
	toLogin                // 303 to /login?next=… (a page, signed out)
	to2FA                  // 303 to /login/2fa (a page, second factor not done)
	unauth                 // 401 (the API, signed out or second factor not done)
	forbid                 // 403: the role may not
	hidden                 // 404: a record out of the caller's scope, not admitted to exist
	failed                 // 5xx
)

func (o outcome) String() string {
	return [...]string{"allowed", "303 to /login?next=…", "303 to /login/2fa", "401", "403", "404", "5xx"}[o]
}

// expect is a route's outcome for each actor, in the order of accessActors:
//
//	anonymous, observer A (the records' owner), observer B (another station and region),
//	coordinator of region A, coordinator of region B, national coordinator, admin
//	(second factor done), admin whose second factor is pending.
//
// The records in the URLs are observer A's (incident, observation, evidence, observer
// code), so observer B and the coordinator of region B are the cross-scope callers.
type expect [8]outcome

var accessTable = map[string]expect{
	"GET /":                       {ok, ok, ok, ok, ok, ok, ok, ok},
	"GET /healthz":                {ok, ok, ok, ok, ok, ok, ok, ok},
	"GET /lang":                   {ok, ok, ok, ok, ok, ok, ok, ok},
	"GET /login":                  {ok, ok, ok, ok, ok, ok, ok, ok},
	"POST /login":                 {ok, ok, ok, ok, ok, ok, ok, ok},
	"POST /logout":                {toLogin, ok, ok, ok, ok, ok, ok, ok},
	"GET /login/2fa":              {toLogin, ok, ok, ok, ok, ok, ok, ok},
	"POST /login/2fa":             {toLogin, ok, ok, ok, ok, ok, ok, ok},
	"GET /account/2fa":            {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"POST /account/2fa":           {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"GET /account/tokens":         {toLogin, ok, ok, ok, ok, ok, ok, to2FA},
	"POST /account/tokens/revoke": {toLogin, ok, ok, ok, ok, ok, ok, to2FA},
	"GET /sessions":               {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"POST /sessions/revoke":       {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"GET /setup/:token":           {ok, ok, ok, ok, ok, ok, ok, ok},
	"POST /setup/:token":          {ok, ok, ok, ok, ok, ok, ok, ok},
	"GET /invite/:token":          {ok, ok, ok, ok, ok, ok, ok, ok},
	"POST /invite/:token":         {ok, ok, ok, ok, ok, ok, ok, ok},
	"GET /sw.js":                  {ok, ok, ok, ok, ok, ok, ok, ok},
	"GET /offline":                {ok, ok, ok, ok, ok, ok, ok, ok},
	"GET /offline/strings":        {ok, ok, ok, ok, ok, ok, ok, ok},
	"GET /offline/state":          {ok, ok, ok, ok, ok, ok, ok, ok},

	"GET /dashboard":                        {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"GET /dashboard/export.csv":             {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"GET /dashboard/export.xlsx":            {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"GET /api/v1/elections/:code/stats":     {unauth, forbid, forbid, ok, ok, ok, ok, unauth},
	"GET /stations/search":                  {toLogin, ok, ok, ok, ok, ok, ok, to2FA},
	"GET /observers":                        {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"POST /observers/invite":                {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"POST /observers/:id/contact":           {toLogin, forbid, forbid, ok, hidden, ok, ok, to2FA},
	"GET /admin":                            {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"POST /admin/elections":                 {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"GET /admin/elections/:code":            {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"POST /admin/elections/:code/stations":  {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"POST /admin/elections/:code/observers": {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"GET /admin/users":                      {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"POST /admin/invites":                   {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"POST /admin/users/:id/disable":         {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"POST /admin/users/:id/enable":          {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"GET /admin/audit":                      {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"GET /admin/alerts":                     {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"GET /elections/:code/sms-card":         {toLogin, ok, ok, ok, ok, ok, ok, to2FA},
	"GET /elections/:code/sms-card.pdf":     {toLogin, ok, ok, ok, ok, ok, ok, to2FA},
	"GET /account/alerts":                   {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"POST /account/alerts":                  {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"POST /account/telegram":                {toLogin, ok, ok, ok, ok, ok, ok, to2FA},
	// The bot's webhook answers only the secret set by `observer telegram setup`,
	// which no caller of the suite has.
	"POST /intake/telegram": {unauth, unauth, unauth, unauth, unauth, unauth, unauth, unauth},

	"GET /admin/elections/:code/checklists":          {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"POST /admin/elections/:code/questions":          {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"POST /admin/elections/:code/categories":         {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"POST /admin/elections/:code/categories/retire":  {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"POST /admin/elections/:code/categories/restore": {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},

	"GET /export":            {toLogin, forbid, forbid, ok, forbid, ok, ok, to2FA},
	"POST /export/pack":      {toLogin, forbid, forbid, ok, forbid, ok, ok, to2FA},
	"POST /export/incidents": {toLogin, forbid, forbid, ok, forbid, ok, ok, to2FA},
	"GET /verify":            {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"POST /verify":           {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},

	"GET /my":                      {toLogin, ok, ok, forbid, forbid, forbid, forbid, to2FA},
	"GET /observations/new":        {toLogin, ok, ok, ok, ok, ok, forbid, to2FA},
	"POST /observations":           {toLogin, ok, ok, ok, ok, ok, forbid, to2FA},
	"GET /observations/:id":        {toLogin, ok, hidden, ok, hidden, ok, ok, to2FA},
	"GET /observations/:id/edit":   {toLogin, ok, hidden, hidden, hidden, hidden, forbid, to2FA},
	"POST /observations/:id/edit":  {toLogin, ok, hidden, hidden, hidden, hidden, forbid, to2FA},
	"GET /incidents/new":           {toLogin, ok, ok, ok, ok, ok, forbid, to2FA},
	"POST /incidents":              {toLogin, ok, ok, ok, ok, ok, forbid, to2FA},
	"GET /incidents/:id/edit":      {toLogin, ok, hidden, hidden, hidden, hidden, forbid, to2FA},
	"POST /incidents/:id/edit":     {toLogin, ok, hidden, hidden, hidden, hidden, forbid, to2FA},
	"GET /incidents":               {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"GET /incidents/:id":           {toLogin, ok, hidden, ok, hidden, ok, ok, to2FA},
	"POST /incidents/:id/status":   {toLogin, forbid, forbid, ok, hidden, ok, ok, to2FA},
	"POST /incidents/:id/evidence": {toLogin, ok, hidden, ok, hidden, ok, ok, to2FA},
	"GET /evidence/:sha/view":      {toLogin, ok, hidden, ok, hidden, ok, ok, to2FA},
	"GET /evidence/:sha/original":  {toLogin, ok, hidden, ok, hidden, ok, ok, to2FA},

	"POST /api/v1/elections/:code/observations": {unauth, ok, ok, ok, ok, ok, forbid, unauth},
	"POST /api/v1/elections/:code/incidents":    {unauth, ok, ok, ok, ok, ok, forbid, unauth},
	"GET /api/v1/elections/:code/incidents":     {unauth, ok, ok, ok, ok, ok, ok, unauth},
	"GET /api/v1/incidents/:id":                 {unauth, ok, hidden, ok, hidden, ok, ok, unauth},
	"POST /api/v1/incidents/:id/evidence":       {unauth, ok, hidden, ok, hidden, ok, ok, unauth},
	"POST /api/v1/incidents/:id/status":         {unauth, forbid, forbid, ok, hidden, ok, ok, unauth},

	// SMS intake: the webhook answers only a gateway's valid signature, whoever calls.
	"POST /intake/sms/:gateway":                   {unauth, unauth, unauth, unauth, unauth, unauth, unauth, unauth},
	"GET /inbox":                                  {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"POST /inbox/:id/incident":                    {toLogin, forbid, forbid, ok, hidden, ok, ok, to2FA},
	"POST /inbox/:id/observation":                 {toLogin, forbid, forbid, ok, hidden, ok, ok, to2FA},
	"POST /inbox/:id/handled":                     {toLogin, forbid, forbid, ok, hidden, ok, ok, to2FA},
	"GET /coverage":                               {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"POST /my/checkin":                            {toLogin, ok, ok, forbid, forbid, forbid, forbid, to2FA},
	"GET /results":                                {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"GET /results/discrepancies":                  {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"GET /results/discrepancies.csv":              {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"POST /results/discrepancies/incident":        {toLogin, forbid, forbid, ok, hidden, ok, ok, to2FA},
	"GET /results/station":                        {toLogin, forbid, forbid, ok, ok, ok, ok, to2FA},
	"GET /api/v1/elections/:code/discrepancies":   {unauth, forbid, forbid, ok, ok, ok, ok, unauth},
	"GET /api/v1/elections/:code/forensics":       {unauth, forbid, forbid, ok, ok, ok, ok, unauth},
	"GET /admin/elections/:code/results":          {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"POST /admin/elections/:code/results/preview": {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
	"POST /admin/elections/:code/results":         {toLogin, forbid, forbid, forbid, forbid, forbid, ok, to2FA},
}

func classify(resp *http.Response) outcome {
	loc := resp.Header.Get("Location")
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return unauth
	case resp.StatusCode == http.StatusForbidden:
		return forbid
	case resp.StatusCode == http.StatusNotFound:
		return hidden
	case resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/login/2fa"):
		return to2FA
	case resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/login?next="):
		return toLogin
	case resp.StatusCode >= 500:
		return failed
	}
	return ok
}

// TestAccessTableCoversEveryRoute fails for a route registered without an entry in
// accessTable (or without s.handle, so without a rule), and for entries of routes
// that no longer exist.
func TestAccessTableCoversEveryRoute(t *testing.T) {
	h := newHarness(t)
	rules := h.srv.Rules()
	for key, roles := range rules {
		exp, there := accessTable[key]
		if !there {
			t.Errorf("route %q has no line in accessTable (web/access_suite_test.go): add what each actor must get from it", key)
			continue
		}
		// A role the rule leaves out is never let through (public routes excepted).
		if roles == nil {
			continue
		}
		for i, a := range accessActors[1:] {
			if exp[i+1] == ok && !slices.Contains(roles, report.Role(roleOf(a))) {
				t.Errorf("accessTable lets %s through %q, but its rule allows only %v", a, key, roles)
			}
		}
	}
	for key := range accessTable {
		if _, there := rules[key]; !there {
			t.Errorf("accessTable has %q, which is not a registered route: remove or rename it", key)
		}
	}
	for _, r := range h.srv.e.Routes() {
		if r.Path == "/static/*" {
			continue
		}
		if _, there := rules[routeKey(r.Method, r.Path)]; !there {
			t.Errorf("%s %s is registered without s.handle, so without an access rule", r.Method, r.Path)
		}
	}
}

func roleOf(actor string) string {
	switch actor {
	case actObsA, actObsB:
		return "observer"
	case actCoordA, actCoordB, actNational:
		return "coordinator"
	}
	return "admin"
}

// variants are the ways an actor calls a route: the browser session, and for the
// API also a Bearer token (the anonymous actor sends one that is not valid). The
// pending administrator has no token variant: tokens carry no second factor, a
// token of that account acts as the admin column says.
func (fx *accessFixture) variants(key, actor string) []string {
	out := []string{""}
	if !strings.Contains(key, " /api/") || actor == actPending {
		return out
	}
	if actor == actAnon {
		return append(out, "not-a-token-"+strings.Repeat("x", 20))
	}
	return append(out, fx.tokens[actor])
}

func TestAccessEveryRoute(t *testing.T) {
	fx := newAccessFixture(t)
	keys := make([]string, 0, len(accessTable))
	for key := range fx.h.srv.Rules() {
		if _, there := accessTable[key]; there {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	type call struct {
		key, actor, bearer string
		in                 routeInput
	}
	var allowedWrites []call
	for _, key := range keys {
		method := strings.SplitN(key, " ", 2)[0]
		in, writes := fx.input(key)
		if method != http.MethodGet && !writes {
			t.Errorf("%s writes: add its requests to accessFixture.input (web/access_inputs_test.go)", key)
			continue
		}
		for i, a := range accessActors {
			want := accessTable[key][i]
			for _, bearer := range fx.variants(key, a) {
				if method != http.MethodGet && want == ok {
					allowedWrites = append(allowedWrites, call{key, a, bearer, in})
					continue
				}
				r := request{query: fx.getQuery(key)}
				if method != http.MethodGet {
					r = in.deny()
				}
				fx.expectCall(t, key, a, bearer, fx.clients[a], r, want)
			}
		}
	}
	// Allowed writes last, each on its own target (and session where it needs one).
	for _, c := range allowedWrites {
		cl := fx.copyOf(c.actor)
		if c.in.session(c.actor) == newSession {
			cl = fx.signIn(c.actor)
		}
		fx.expectCall(t, c.key, c.actor, c.bearer, cl, c.in.allow(c.actor), ok)
	}
	fx.checkIntact(t)
	fx.checkScope(t)
}

// expectCall makes one call and checks its outcome; a refused call must change
// nothing in the database or the evidence store.
func (fx *accessFixture) expectCall(t *testing.T, key, actor, bearer string, c *client, r request, want outcome) {
	t.Helper()
	how := "session"
	if bearer != "" {
		how = "token"
	}
	method := strings.SplitN(key, " ", 2)[0]
	// Refusals of the routes that write must leave everything as it was.
	var before map[string]string
	if want != ok && method != http.MethodGet {
		before = fx.snapshot()
	}
	target := fx.url(key, r)
	resp, body := fx.send(c, bearer, method, target, r)
	got := classify(resp)
	if got != want {
		t.Errorf("%s as %s (%s): got %s, want %s [%s %s: %s]", key, actor, how, got, want, method, target, describe(resp, body))
		return
	}
	if want == ok {
		return
	}
	if before != nil {
		if diff := changed(before, fx.snapshot()); len(diff) > 0 {
			t.Errorf("%s as %s (%s) was refused (%s) but changed %v", key, actor, how, got, diff)
		}
	}
	if strings.HasPrefix(target, "/api/") {
		var e APIError
		if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code == "" {
			t.Errorf("%s as %s (%s): a refusal of the API must be a JSON error, got %q", key, actor, how, body)
		}
		if actor == actPending && bearer == "" && e.Error.Code != "mfa_required" {
			t.Errorf("%s as %s: code %q, want mfa_required", key, actor, e.Error.Code)
		}
	}
}

// checkIntact checks by name what the refused calls aimed at: observer A's records,
// the accounts and the sessions are as the fixture made them.
func (fx *accessFixture) checkIntact(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	in, err := fx.h.store.Incident(ctx, fx.incA.ID)
	if err != nil || in.Status != report.StatusNew || in.Description != fx.incA.Description || in.EvidenceCount != 1 {
		t.Errorf("observer A's incident changed: %+v %v", in, err)
	}
	o, err := fx.h.store.Observation(ctx, fx.obsA)
	if err != nil || o.Notes != markerA+" notes" {
		t.Errorf("observer A's observation changed: %q %v", o.Notes, err)
	}
	if v, _ := fx.h.store.UserByLogin(ctx, fx.victim.Login); v.DisabledAt != nil {
		t.Errorf("the victim account was disabled")
	}
	if p, _ := fx.h.store.UserByLogin(ctx, accessLogins[actPending]); p.TOTPSecret != fx.users[actPending].TOTPSecret {
		t.Errorf("the pending administrator's TOTP secret was replaced")
	}
	live, _ := fx.h.store.LiveSessions(ctx)
	if !slices.ContainsFunc(live, func(s storage.SessionInfo) bool { return s.ID == fx.spareSess }) {
		t.Errorf("the spare session was revoked")
	}
	for _, code := range []string{"deny-el"} {
		if _, err := fx.h.store.ElectionByCode(ctx, code); err == nil {
			t.Errorf("election %s was created by a refused call", code)
		}
	}
}
