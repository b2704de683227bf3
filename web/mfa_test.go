package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

var secretRe = regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`)

func TestAdminMustEnrolTOTP(t *testing.T) {
	h := newHarness(t)
	h.user(report.RoleAdmin, "chief", "")
	c := h.client()
	c.get("/login")
	c.post("/login", url.Values{"login": {"chief"}, "password": {testPassword}})
	// Anything but enrolment sends the admin to enrol.
	resp, _ := c.get("/sessions")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account/2fa" {
		t.Fatalf("admin without TOTP: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := c.get("/account/2fa")
	m := secretRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no secret shown: %s", body)
	}
	resp, _ = c.post("/account/2fa", url.Values{"secret": {m[1]}, "code": {"000000"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong code accepted: %d", resp.StatusCode)
	}
	code := h.clock.code(m[1])
	resp, _ = c.post("/account/2fa", url.Values{"secret": {m[1]}, "code": {code}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("enrol: %d", resp.StatusCode)
	}
	if resp, _ := c.get("/sessions"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after enrolment: %d", resp.StatusCode)
	}

	// A new sign-in now needs the code.
	c2 := h.client()
	c2.get("/login")
	c2.post("/login", url.Values{"login": {"chief"}, "password": {testPassword}})
	resp, _ = c2.get("/sessions")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login/2fa" {
		t.Fatalf("second factor not asked: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	c2.get("/login/2fa")
	resp, _ = c2.post("/login/2fa", url.Values{"code": {"123456"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong second factor: %d", resp.StatusCode)
	}
	// The code that enrolled cannot sign in again (finding 5 of issue 16).
	resp, _ = c2.post("/login/2fa", url.Values{"code": {code}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the enrolment's code was accepted again: %d", resp.StatusCode)
	}
	code = h.clock.code(m[1])
	resp, _ = c2.post("/login/2fa", url.Values{"code": {code}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second factor: %d", resp.StatusCode)
	}
	resp, body = c2.get("/sessions")
	if resp.StatusCode != http.StatusOK || strings.Count(body, `action="/sessions/revoke"`) != 2 {
		t.Fatalf("sessions page: %d", resp.StatusCode)
	}

	// The admin ends the first browser's session: it is signed out.
	sessions, _ := h.store.LiveSessions(context.Background())
	var first string
	for _, si := range sessions {
		first = si.ID // oldest last (newest first)
	}
	resp, _ = c2.post("/sessions/revoke", url.Values{"id": {first}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	resp, _ = c.get("/sessions")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("revoked session still works: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// An id that names no live session (ended, short, made up) is a 404, not a crash.
	for _, id := range []string{first, "abc", ""} {
		if resp, _ = c2.post("/sessions/revoke", url.Values{"id": {id}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("revoke %q: %d", id, resp.StatusCode)
		}
	}
}

func TestObserverCannotRevokeSessions(t *testing.T) {
	h := newHarness(t)
	h.user(report.RoleObserver, "obs1", "")
	c := h.client()
	c.get("/login")
	c.post("/login", url.Values{"login": {"obs1"}, "password": {testPassword}})
	if resp, _ := c.get("/sessions"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("observer on /sessions: %d", resp.StatusCode)
	}
}

// Replacing a second factor takes a code from the current one: a session someone
// took over cannot put in a secret of its own. The new secret is shown again with
// the reason, and nothing changes until both codes are right.
func TestReplacingSecondFactorTakesTheCurrentCode(t *testing.T) {
	h := newHarness(t)
	c, _ := adminClient(h, "chief")
	old := h.secrets["chief"]
	_, body := c.get("/account/2fa")
	m := secretRe.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `name="current_code"`) {
		t.Fatalf("the page asks for no current code: %s", body)
	}
	fresh := m[1]
	for _, current := range []string{"", "000000"} {
		resp, body := c.post("/account/2fa", url.Values{"secret": {fresh}, "code": {h.clock.code(fresh)}, "current_code": {current}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, fresh) {
			t.Fatalf("current code %q: %d", current, resp.StatusCode)
		}
	}
	resp, _ := c.post("/account/2fa", url.Values{"secret": {fresh}, "code": {h.clock.code(fresh)}, "current_code": {h.clock.code(old)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("with the current code: %d", resp.StatusCode)
	}
	// The new secret is the one a sign-in now takes.
	c2 := h.client()
	c2.get("/login")
	c2.post("/login", url.Values{"login": {"chief"}, "password": {testPassword}})
	c2.get("/login/2fa")
	if resp, _ := c2.post("/login/2fa", url.Values{"code": {h.clock.code(old)}}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the old secret still signs in: %d", resp.StatusCode)
	}
	if resp, _ := c2.post("/login/2fa", url.Values{"code": {h.clock.code(fresh)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the new secret does not sign in: %d", resp.StatusCode)
	}
}
