package web

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The access suite's world, built once: an election with two regions, A (Almaty,
// station 071-023) and B (Astana, station 011-001); observer anna assigned in A
// and boris in B, each with an observation and an incident carrying a photo; a
// coordinator of each region, a national coordinator, an administrator who enrolled
// TOTP through /account/2fa and passed the second factor, and a second administrator
// signed in with the password only (second factor pending).

// Actors, in the order of the columns of accessTable.
const (
	actAnon     = "anonymous"
	actObsA     = "observer-A"
	actObsB     = "observer-B"
	actCoordA   = "coordinator-A"
	actCoordB   = "coordinator-B"
	actNational = "national"
	actAdmin    = "admin"
	actPending  = "admin-2fa-pending"
)

var accessActors = []string{actAnon, actObsA, actObsB, actCoordA, actCoordB, actNational, actAdmin, actPending}

// accessLogins are the actors' accounts (the anonymous actor has none).
var accessLogins = map[string]string{actObsA: "anna", actObsB: "boris", actCoordA: "coord-a", actCoordB: "coord-b",
	actNational: "national", actAdmin: "chief", actPending: "deputy"}

const (
	stationA, stationB = "071-023", "011-001"
	regionA, regionB   = "ALM", "AST"
	// markerA is in observer A's texts: a page or list that shows it leaks A's records.
	markerA = "ALPHA-7f3e"
)

type accessFixture struct {
	t     *testing.T
	h     *harness
	el    report.Election
	side  report.Election // for the admin's imports, so they do not touch el
	users map[string]report.User
	// clients are the actors' browsers; tokens their API tokens.
	clients map[string]*client
	tokens  map[string]string
	// secrets are the administrators' TOTP secrets, by actor.
	secrets    map[string]string
	obsA, obsB int64
	incA, incB report.Incident
	evA, evB   report.Evidence
	spare      report.User // signs in through POST /login, owns sessions to revoke
	spareSess  string      // a live session of spare (its id)
	victim     report.User // the account a refused disable must leave alone
	invite     string      // a valid invitation token (never used up)
	seq        int
}

func newAccessFixture(t *testing.T) *accessFixture {
	t.Helper()
	return newAccessFixtureWith(t, Config{BaseURL: "http://test"})
}

// newHarnessWith is newHarness with a configuration of the test's own (small limits).
func newHarnessWith(t *testing.T, cfg Config) *harness {
	t.Helper()
	return openHarness(t, t.TempDir(), cfg)
}

// openHarness serves the database and data directory in dir (made or copied there).
func openHarness(t *testing.T, dir string, cfg Config) *harness {
	t.Helper()
	clock := newTestClock()
	st, err := storage.Open(context.Background(), storage.Options{Path: filepath.Join(dir, "t.db"), DataDir: filepath.Join(dir, "data"), Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.StatsMaxAge == 0 {
		cfg.StatsMaxAge = -1 // tests read the figures of what they just wrote
	}
	srv, err := New(cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); st.Close() })
	return &harness{t: t, store: st, srv: srv, ts: ts, clock: clock, secrets: map[string]string{}}
}

// buildAccessFixture makes the fixture's records and signs everyone in (see
// newAccessFixtureWith in access_template_test.go for how tests get a copy).
func buildAccessFixture(t *testing.T, h *harness) *accessFixture {
	t.Helper()
	ctx := context.Background()
	fx := &accessFixture{t: t, h: h, users: map[string]report.User{}, clients: map[string]*client{},
		tokens: map[string]string{}, secrets: map[string]string{}}
	var err error
	if fx.el, err = h.store.CreateElection(ctx, "kz-2022", "Presidential election", "2022-11-20", "", report.User{}); err != nil {
		t.Fatal(err)
	}
	recs := []report.StationRecord{
		{Code: stationA, Name: "Polling station No. 23", Region: "Almaty", RegionCode: regionA, Timezone: "Asia/Almaty"},
		{Code: "071-024", Name: "Polling station No. 24", Region: "Almaty", RegionCode: regionA, Timezone: "Asia/Almaty"},
		{Code: stationB, Name: "Polling station No. 1", Region: "Astana", RegionCode: regionB, Timezone: "Asia/Almaty"},
	}
	if _, err := h.store.ImportStations(ctx, fx.el, recs, report.User{}); err != nil {
		t.Fatal(err)
	}
	importAccessResults(t, h, fx.el)
	if fx.side, err = h.store.CreateElection(ctx, "side-2001", "Side election", "2001-01-01", "", report.User{}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.ImportStations(ctx, fx.side, []report.StationRecord{{Code: "S-1", Region: "Side", RegionCode: "SID"}}, report.User{}); err != nil {
		t.Fatal(err)
	}
	for actor, region := range map[string]string{actObsA: regionA, actObsB: regionB} {
		fx.users[actor] = h.user(report.RoleObserver, accessLogins[actor], region)
	}
	fx.assign(fx.users[actObsA], stationA)
	fx.assign(fx.users[actObsB], stationB)
	fx.users[actCoordA] = h.user(report.RoleCoordinator, accessLogins[actCoordA], regionA)
	fx.users[actCoordB] = h.user(report.RoleCoordinator, accessLogins[actCoordB], regionB)
	fx.users[actNational] = h.user(report.RoleCoordinator, accessLogins[actNational], "")
	fx.users[actAdmin] = h.user(report.RoleAdmin, accessLogins[actAdmin], "")
	fx.users[actPending] = h.user(report.RoleAdmin, accessLogins[actPending], "")
	fx.spare = h.user(report.RoleObserver, "spare", regionA)
	fx.victim = h.user(report.RoleCoordinator, "victim", regionA)

	fx.obsA = fx.observation(actObsA, "obs-a", stationA, markerA+" notes")
	fx.obsB = fx.observation(actObsB, "obs-b", stationB, "BRAVO notes")
	fx.incA = fx.incident(actObsA, "inc-a", stationA, markerA+" incident")
	fx.incB = fx.incident(actObsB, "inc-b", stationB, "BRAVO incident")
	fx.evA = fx.evidence(fx.incA, actObsA, 1)
	fx.evB = fx.evidence(fx.incB, actObsB, 2)

	anon := h.client()
	anon.get("/login")
	fx.clients[actAnon] = anon
	for _, a := range []string{actObsA, actObsB, actCoordA, actCoordB, actNational} {
		c := h.client()
		c.login(accessLogins[a])
		if c.csrf == "" {
			t.Fatalf("%s: no CSRF token after signing in", a)
		}
		fx.clients[a] = c
	}
	fx.clients[actAdmin] = fx.enrolTOTP(actAdmin)
	fx.enrolTOTP(actPending)
	fx.clients[actPending] = fx.passwordOnly(actPending)
	for _, a := range accessActors[1:] {
		fx.tokens[a] = h.token(fx.users[a])
		// Reload: the administrators' TOTP secrets were set after the accounts were made.
		if fx.users[a], err = h.store.UserByLogin(ctx, accessLogins[a]); err != nil {
			t.Fatal(err)
		}
	}
	fx.spareSess = fx.freshSession()
	if fx.invite, err = h.store.CreateInvite(ctx, storage.Invite{Role: report.RoleCoordinator, RegionCode: regionA}, time.Hour, report.User{}); err != nil {
		t.Fatal(err)
	}
	return fx
}

func (fx *accessFixture) next() int { fx.seq++; return fx.seq }

func (fx *accessFixture) assign(u report.User, code string) {
	fx.t.Helper()
	ctx := context.Background()
	st, err := fx.h.store.StationByCode(ctx, fx.el.ID, code)
	if err != nil {
		fx.t.Fatal(err)
	}
	if err := fx.h.store.Write(ctx, func(tx *storage.Tx) error {
		_, err := storage.SetAssignments(tx, u.ObserverID, fx.el.ID, []int64{st.ID}, report.User{})
		return err
	}); err != nil {
		fx.t.Fatal(err)
	}
}

// observation files a voting-phase observation for an actor, as the API does.
func (fx *accessFixture) observation(actor, clientID, station, notes string) int64 {
	fx.t.Helper()
	o, fe := report.DecodeObservationLine([]byte(obsJSON(clientID, station, notes)))
	if fe != nil {
		fx.t.Fatalf("fixture observation: %v", fe)
	}
	o.ElectionID = fx.el.ID
	id, _, err := fx.h.store.SaveObservation(context.Background(), o, fx.users[actor])
	if err != nil {
		fx.t.Fatalf("fixture observation: %v", err)
	}
	return id
}

func (fx *accessFixture) incident(actor, clientID, station, desc string) report.Incident {
	fx.t.Helper()
	ctx := context.Background()
	in, fe := report.DecodeIncidentJSON([]byte(incJSON(clientID, station, desc)))
	if fe != nil {
		fx.t.Fatalf("fixture incident: %v", fe)
	}
	in.ElectionID = fx.el.ID
	id, _, err := fx.h.store.SaveIncident(ctx, in, fx.users[actor])
	if err != nil {
		fx.t.Fatalf("fixture incident: %v", err)
	}
	if in, err = fx.h.store.Incident(ctx, id); err != nil {
		fx.t.Fatal(err)
	}
	return in
}

func (fx *accessFixture) evidence(in report.Incident, actor string, shade uint8) report.Evidence {
	fx.t.Helper()
	ev, _, err := fx.h.store.AddEvidence(context.Background(), in.ID, bytes.NewReader(smallJPEG(fx.t, shade)), "photo.jpg",
		fx.users[actor], storage.EvidenceLimits{MaxFileBytes: 1 << 20})
	if err != nil {
		fx.t.Fatal(err)
	}
	return ev
}

func obsJSON(clientID, station, notes string) string {
	return fmt.Sprintf(`{"client_id": %q, "station": %q, "phase": "voting", "arrived_at": "2022-11-20T10:00:00+06:00", "assessment": "good", "notes": %q}`,
		clientID, station, notes)
}

func incJSON(clientID, station, desc string) string {
	return fmt.Sprintf(`{"client_id": %q, "station": %q, "phase": "voting", "category": "carousel_voting", "occurred_at": "2022-11-20T11:00:00+06:00", "witnessed": true, "description": %q}`,
		clientID, station, desc)
}

// smallJPEG is a real 16×16 JPEG; shade makes different files.
func smallJPEG(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for y := 0; y < 16; y++ {
		for x := 0; x < 16; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 16), shade * 40, uint8(y * 16), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// enrolTOTP signs an administrator in and enrols TOTP through /account/2fa (where an
// administrator without it is sent), returning the browser with the second factor done.
func (fx *accessFixture) enrolTOTP(actor string) *client {
	fx.t.Helper()
	c := fx.h.client()
	c.get("/login")
	if resp, _ := c.post("/login", url.Values{"login": {accessLogins[actor]}, "password": {testPassword}}); resp.StatusCode != http.StatusSeeOther {
		fx.t.Fatalf("%s: sign-in: %d", actor, resp.StatusCode)
	}
	if resp, _ := c.get("/admin"); resp.Header.Get("Location") != "/account/2fa" {
		fx.t.Fatalf("%s without TOTP not sent to enrol: %d %s", actor, resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := c.get("/account/2fa")
	m := secretRe.FindStringSubmatch(body)
	if m == nil {
		fx.t.Fatalf("%s: no TOTP secret shown", actor)
	}
	code := fx.h.clock.code(m[1])
	if resp, _ := c.post("/account/2fa", url.Values{"secret": {m[1]}, "code": {code}}); resp.StatusCode != http.StatusSeeOther {
		fx.t.Fatalf("%s: enrol: %d", actor, resp.StatusCode)
	}
	fx.secrets[actor] = m[1]
	if resp, _ := c.get("/admin"); resp.StatusCode != http.StatusOK || c.csrf == "" {
		fx.t.Fatalf("%s after enrolment: %d", actor, resp.StatusCode)
	}
	return c
}

// passwordOnly signs in with the password and stops before the second factor.
func (fx *accessFixture) passwordOnly(actor string) *client {
	fx.t.Helper()
	c := fx.h.client()
	c.get("/login")
	if resp, _ := c.post("/login", url.Values{"login": {accessLogins[actor]}, "password": {testPassword}}); resp.StatusCode != http.StatusSeeOther {
		fx.t.Fatalf("%s: sign-in: %d", actor, resp.StatusCode)
	}
	if resp, _ := c.get("/login/2fa"); resp.StatusCode != http.StatusOK || c.csrf == "" {
		fx.t.Fatalf("%s: second-factor page: %d", actor, resp.StatusCode)
	}
	return c
}

// signIn is a new browser session of the actor, second factor done for administrators.
func (fx *accessFixture) signIn(actor string) *client {
	fx.t.Helper()
	switch actor {
	case actAnon:
		c := fx.h.client()
		c.get("/login")
		return c
	case actPending:
		return fx.passwordOnly(actor)
	case actAdmin:
		c := fx.passwordOnly(actor)
		code := fx.h.clock.code(fx.secrets[actor])
		if resp, _ := c.post("/login/2fa", url.Values{"code": {code}}); resp.StatusCode != http.StatusSeeOther {
			fx.t.Fatalf("%s: second factor: %d", actor, resp.StatusCode)
		}
		c.get("/admin")
		return c
	}
	c := fx.h.client()
	c.login(accessLogins[actor])
	return c
}

// copyOf is a second browser with the same cookies (the same session): a call that
// sets cookies (signing in as someone else) leaves the actor's own browser as it was.
func (fx *accessFixture) copyOf(actor string) *client {
	orig := fx.clients[actor]
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(fx.h.ts.URL)
	jar.SetCookies(u, orig.http.Jar.Cookies(u))
	return &client{h: fx.h, csrf: orig.csrf, http: &http.Client{Jar: jar, CheckRedirect: orig.http.CheckRedirect}}
}

// freshSession starts a session of the spare account and returns its id.
func (fx *accessFixture) freshSession() string {
	fx.t.Helper()
	ctx := context.Background()
	cookie, err := fx.h.store.CreateSession(ctx, fx.spare, true)
	if err != nil {
		fx.t.Fatal(err)
	}
	s, err := fx.h.store.SessionByCookie(ctx, cookie)
	if err != nil {
		fx.t.Fatal(err)
	}
	return s.ID
}
