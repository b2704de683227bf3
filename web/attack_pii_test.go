package web

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// Attack review: an observer's name and phone number are sealed apart from their
// code. They show on the contact page (asked for, audit-logged) and in an export
// that asks for them; nowhere else: not in pages, API answers, default exports,
// error pages, nor in the server's log, whatever comes in (an SMS from that phone,
// a refused one). Nor do secrets in URLs (invitation links) reach the log.

// lockedBuffer is a log sink the server writes to from its goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// openLoggedHarness is openHarness with the server's log kept (debug level).
func openLoggedHarness(t *testing.T, cfg Config) (*harness, *lockedBuffer) {
	t.Helper()
	dir := t.TempDir()
	clock := newTestClock()
	st, err := storage.Open(context.Background(), storage.Options{Path: filepath.Join(dir, "t.db"), DataDir: filepath.Join(dir, "data"), Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	cfg.StatsMaxAge = -1
	logs := &lockedBuffer{}
	srv, err := New(cfg, st, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); st.Close() })
	return &harness{t: t, store: st, srv: srv, ts: ts, clock: clock, secrets: map[string]string{}}, logs
}

func TestAttackPersonalDataStaysSealed(t *testing.T) {
	h, logs := openLoggedHarness(t, Config{BaseURL: "http://test"})
	ctx := context.Background()
	const (
		name  = "Zhanar Secretova"
		phone = "+77015559876"
		typed = "+7 701 555 98 76"
	)
	el, err := h.store.CreateElection(ctx, "kz-2026", "Parliamentary election", "2026-03-15", "", report.User{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.ImportStations(ctx, el, []report.StationRecord{
		{Code: "071-023", Region: "Almaty", RegionCode: "ALM", Timezone: "Asia/Almaty"},
		{Code: "011-001", Region: "Astana", RegionCode: "AST", Timezone: "Asia/Almaty"},
	}, report.User{}); err != nil {
		t.Fatal(err)
	}
	anna := h.user(report.RoleObserver, "anna", "ALM")
	st, err := h.store.StationByCode(ctx, el.ID, "071-023")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.Write(ctx, func(tx *storage.Tx) error {
		if _, err := storage.SetAssignments(tx, anna.ObserverID, el.ID, []int64{st.ID}, report.User{}); err != nil {
			return err
		}
		return storage.SetObserverContact(tx, anna.ObserverID, report.ObserverContact{Name: name, Phone: phone}, report.User{})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.AddGateway(ctx, storage.Gateway{Name: "gen", Kind: "generic", GatewaySecrets: storage.GatewaySecrets{Secret: "s3cret"}}, report.User{}); err != nil {
		t.Fatal(err)
	}
	h.user(report.RoleCoordinator, "coord", "ALM")
	h.user(report.RoleCoordinator, "national", "")

	// What comes from her phone: a coded report, a text nobody can read (the
	// inbox), one with a bad signature, one of a shape no gateway sends.
	sms := func(id, text, sig string) int {
		body, _ := json.Marshal(map[string]string{"id": id, "from": typed, "text": text, "received_at": "2026-03-15T10:00:00+05:00"})
		if sig == "" {
			sig = intake.SignGeneric(body, "s3cret")
		}
		req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/intake/sms/gen", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Observer-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := sms("m1", "071-023 !3 bus of students", ""); code != http.StatusOK {
		t.Fatalf("coded SMS: %d", code)
	}
	if code := sms("m2", "hello, where do I go today?", ""); code != http.StatusOK {
		t.Fatalf("unreadable SMS: %d", code)
	}
	if code := sms("m3", "071-023 !3 forged", "sha256=00"); code != http.StatusUnauthorized {
		t.Fatalf("forged SMS: %d", code)
	}
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/intake/sms/gen", strings.NewReader(`{"from": "`+typed+`", "text": 12}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	incs, err := h.store.Incidents(ctx, report.IncidentFilter{ElectionID: el.ID})
	if err != nil || len(incs) != 1 {
		t.Fatalf("the SMS made %d incidents (%v), want 1", len(incs), err)
	}
	incID := strconv.FormatInt(incs[0].ID, 10)
	observerID := strconv.FormatInt(anna.ObserverID, 10)

	leaks := func(what, body string) {
		t.Helper()
		for _, s := range []string{name, phone, typed, "555 98 76", "5559876"} {
			if strings.Contains(body, s) {
				t.Errorf("%s shows %q", what, s)
			}
		}
	}
	annaCl := h.client()
	annaCl.login("anna")
	for _, p := range []string{"/my", "/incidents/" + incID, "/observations/new?phase=voting"} {
		_, body := annaCl.get(p)
		leaks("the observer's "+p, body)
	}
	annaTok := h.token(anna)
	_, body := h.api(http.MethodGet, "/api/v1/incidents/"+incID, annaTok, "", nil)
	leaks("the observer's API incident", body)

	for _, login := range []string{"coord", "national"} {
		c := h.client()
		c.login(login)
		for _, p := range []string{"/dashboard", "/incidents", "/incidents/" + incID, "/inbox", "/observers", "/observers?q=OBS-anna",
			"/coverage", "/export?preview=1", "/results", "/incidents/" + incID + "x", "/observers/" + observerID + "/contact"} {
			_, body := c.get(p)
			leaks(login+" GET "+p, body)
		}
		for _, format := range []string{"csv", "json"} {
			_, body := c.post("/export/incidents", url.Values{"format": {format}})
			leaks(login+"'s "+format+" export without contact details", body)
		}
		resp, body := c.post("/export/pack", url.Values{})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s's pack: %d", login, resp.StatusCode)
		}
		for f, data := range unzipAll(t, []byte(body)) {
			leaks(login+"'s pack without contact details: "+f, string(data))
		}
		tok := h.token(mustUser(t, h, login))
		for _, p := range []string{"/api/v1/incidents/" + incID, "/api/v1/elections/" + el.Code + "/incidents", "/api/v1/elections/" + el.Code + "/stats"} {
			_, body := h.api(http.MethodGet, p, tok, "", nil)
			leaks(login+" API "+p, body)
		}
		// Asked for, they are shown (and the log must still not have them).
		if _, body := c.post("/observers/"+observerID+"/contact", nil); !strings.Contains(body, phone) {
			t.Errorf("%s: the contact page does not show the phone", login)
		}
		if _, body := c.post("/export/incidents", url.Values{"format": {"csv"}, "contacts": {"1"}}); !strings.Contains(body, phone) {
			t.Errorf("%s: the export with contact details has no phone", login)
		}
	}

	// An invitation link is a secret: opening it must not write it to the log.
	nat := h.client()
	nat.login("national")
	_, body = nat.post("/observers/invite", url.Values{"code": {"OBS-NEW-1"}, "stations": {"071-023"}})
	i := strings.Index(body, "/invite/")
	if i < 0 {
		t.Fatal("no invitation link")
	}
	token := body[i+len("/invite/"):]
	token = token[:strings.IndexAny(token, `"<& `)]
	anon := h.client()
	anon.get("/invite/" + token)
	anon.post("/invite/"+token, url.Values{"login": {"x"}, "password": {"short"}, "password2": {"short"}})

	// The health check, for anyone: that the database answers, nothing more.
	if resp, body := anon.get("/healthz"); resp.StatusCode != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz: %d %q, want just ok", resp.StatusCode, body)
	}

	log := logs.String()
	if !strings.Contains(log, "request") {
		t.Fatal("the server logged nothing: the test is not looking at its log")
	}
	leaks("the server's log", log)
	if strings.Contains(log, token) {
		t.Error("the server's log holds an invitation link's token")
	}
}
