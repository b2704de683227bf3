package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

func TestLoginLogout(t *testing.T) {
	h := newHarness(t)
	h.user(report.RoleCoordinator, "coord", "")
	c := h.client()
	c.get("/login")
	resp, body := c.post("/login", url.Values{"login": {"coord"}, "password": {"wrong password!"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Wrong login or password") {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	resp, _ = c.post("/login", url.Values{"login": {"coord"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie: %+v", session)
	}
	// The stored session id is a hash, never the cookie itself.
	if _, err := h.store.SessionByCookie(context.Background(), session.Value); err != nil {
		t.Fatal(err)
	}
	resp, _ = c.get("/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboard" {
		t.Fatalf("home for a coordinator: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := c.get("/login?next=/")
	_ = page
	// Sign out needs the session's CSRF token; scrape it from a page with the header form.
	c.csrf = ""
	_, body = c.get("/nonexistent-page")
	if c.csrf == "" {
		t.Fatalf("no CSRF token on a signed-in page: %s", body)
	}
	resp, _ = c.post("/logout", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if _, err := h.store.SessionByCookie(context.Background(), session.Value); err == nil {
		t.Fatal("session still valid after logout")
	}
}

func TestLoginThrottled(t *testing.T) {
	h := newHarness(t)
	h.user(report.RoleAdmin, "admin1", "")
	c := h.client()
	c.get("/login")
	for i := 0; i < pairFree; i++ {
		resp, _ := c.post("/login", url.Values{"login": {"admin1"}, "password": {"guess-" + string(rune('a'+i)) + "-wrong"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, resp.StatusCode)
		}
	}
	// Even the right password waits now, from this address: the pair is throttled.
	resp, body := c.post("/login", url.Values{"login": {"admin1"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "15 minutes") {
		t.Fatalf("after %d failures: %d", pairFree, resp.StatusCode)
	}
	// Another account from the same address still may sign in (per-address limit is higher).
	h.user(report.RoleObserver, "obs2", "")
	resp, _ = c.post("/login", url.Values{"login": {"obs2"}, "password": {"correct horse battery"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("other account: %d", resp.StatusCode)
	}
}

// Issue 16, finding 6: wrong guesses from one address never lock the account for
// anyone else; delays grow with each failure of a pair, and an address guessing at
// many accounts is throttled as a whole.
func TestThrottleNeverLocksAnAccountOut(t *testing.T) {
	now := time.Date(2026, 3, 15, 8, 0, 0, 0, time.UTC)
	th := newThrottle()
	th.now = func() time.Time { return now }
	var waits []time.Duration
	for i := 0; i < 12; i++ {
		th.fail("admin", "203.0.113.9")
		_, w := th.blocked("admin", "203.0.113.9")
		waits = append(waits, w)
	}
	for i := pairFree; i < len(waits); i++ {
		if waits[i] <= waits[i-1] && waits[i] < maxWait {
			t.Errorf("the wait does not grow: %v", waits)
			break
		}
	}
	if waits[pairFree-2] != 0 || waits[len(waits)-1] < time.Minute || waits[len(waits)-1] > maxWait {
		t.Errorf("waits %v", waits)
	}
	if b, _ := th.blocked("admin", "198.51.100.7"); b {
		t.Fatal("another address's guesses locked the account out")
	}
	th.succeed("admin", "198.51.100.7")
	if b, _ := th.blocked("admin", "203.0.113.9"); !b {
		t.Fatal("a success elsewhere cleared the guessing address")
	}
	// The wait ends.
	now = now.Add(maxWait)
	if b, _ := th.blocked("admin", "203.0.113.9"); b {
		t.Fatal("still blocked after the longest wait")
	}
}

func TestThrottlePerIP(t *testing.T) {
	th := newThrottle()
	for i := 0; i < addrFree; i++ {
		th.fail("user"+string(rune('a'+i)), "10.0.0.1")
	}
	if b, _ := th.blocked("fresh-user", "10.0.0.1"); !b {
		t.Fatal("an address with many failures not blocked")
	}
	if b, _ := th.blocked("fresh-user", "10.0.0.2"); b {
		t.Fatal("other IP blocked")
	}
}

func TestCSRFRejected(t *testing.T) {
	h := newHarness(t)
	h.user(report.RoleCoordinator, "coord", "")
	c := h.client()
	c.login("coord")
	// A forged form from another site carries no token.
	resp, body := c.post("/logout", url.Values{"csrf": {"forged-token-forged-token-forged-token"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "expired") {
		t.Fatalf("forged CSRF: %d", resp.StatusCode)
	}
	// Sign-in form without the double-submit token is refused too.
	c2 := h.client()
	resp, _ = c2.post("/login", url.Values{"login": {"coord"}, "password": {testPassword}, "csrf": {"x"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("login without CSRF: %d", resp.StatusCode)
	}
}

func TestSetupLinkOnce(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	link, err := h.srv.SetupLink(ctx)
	if err != nil || !strings.HasPrefix(link, "http://test/setup/") {
		t.Fatalf("setup link %q %v", link, err)
	}
	path := strings.TrimPrefix(link, "http://test")
	c := h.client()
	resp, body := c.get(path)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "first administrator") {
		t.Fatalf("setup page: %d", resp.StatusCode)
	}
	resp, body = c.post(path, url.Values{"login": {"chief"}, "password": {"short"}, "password2": {"short"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "At least 10") {
		t.Fatalf("short password: %d", resp.StatusCode)
	}
	// Issue 16, finding 9: weak passwords are refused with the reason.
	for pw, key := range map[string]string{"password1234": "auth.password_common", "aaaaaaaaaaaa": "auth.password_repeated",
		"йцукенгшщз2024": "auth.password_keyboard"} {
		resp, body = c.post(path, url.Values{"login": {"chief"}, "password": {pw}, "password2": {pw}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, html.EscapeString(enText(t, key))) {
			t.Errorf("%s: %d, want the message %s", pw, resp.StatusCode, key)
		}
	}
	resp, _ = c.post(path, url.Values{"login": {"chief"}, "password": {testPassword}, "password2": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	u, err := h.store.UserByLogin(ctx, "chief")
	if err != nil || u.Role != report.RoleAdmin {
		t.Fatalf("admin not created: %+v %v", u, err)
	}
	// The link works once.
	c2 := h.client()
	resp, _ = c2.get(path)
	if resp.StatusCode != http.StatusGone {
		t.Fatalf("reused link: %d", resp.StatusCode)
	}
	if link, _ := h.srv.SetupLink(ctx); link != "" {
		t.Fatal("setup link made although an admin exists")
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t)
	resp, _ := h.client().get("/login")
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP lacks %q: %s", want, csp)
		}
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("headers: %v", resp.Header)
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/incidents?x=1": "/incidents?x=1", "//evil.example/": "/", "https://evil.example/": "/",
		"javascript:alert(1)": "/", "": "/", "/\\evil": "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHealthz(t *testing.T) {
	h := newHarness(t)
	resp, body := h.client().get("/healthz")
	if resp.StatusCode != 200 || body != "ok\n" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
}

// An API call without credentials is told to authenticate (401), not that its form
// token is wrong.
func TestAPIWithoutTokenIs401(t *testing.T) {
	h := newHarness(t)
	resp, body := h.api(http.MethodPost, "/api/v1/elections/x/incidents", "", "application/json", strings.NewReader(`{}`))
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"code":"unauthorized"`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

// The security headers are put into the header map directly: their keys must be
// in canonical form, or Get would not find them and clients would see them twice.
func TestSecurityHeaderKeysAreCanonical(t *testing.T) {
	for _, h := range append(securityHeaders, apiSecurityHeaders...) {
		if http.CanonicalHeaderKey(h.key) != h.key || len(h.value) != 1 || cap(h.value) != 1 {
			t.Errorf("security header %q: canonical %q, value %q (cap %d)", h.key, http.CanonicalHeaderKey(h.key), h.value, cap(h.value))
		}
	}
}

// The API's answers carry the headers that matter for JSON (no sniffing, no
// framing, nothing allowed, not cached), not the pages' policies.
func TestAPISecurityHeaders(t *testing.T) {
	h := newHarness(t)
	resp, _ := h.client().get("/api/v1/incidents/1")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d", resp.StatusCode)
	}
	want := map[string]string{"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'", "X-Content-Type-Options": "nosniff",
		"X-Frame-Options": "DENY", "Cache-Control": "no-store"}
	for k, v := range want {
		if got := resp.Header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	for _, k := range []string{"Permissions-Policy", "Referrer-Policy", "Cross-Origin-Opener-Policy"} {
		if resp.Header.Get(k) != "" {
			t.Errorf("an API answer carries the pages' %s", k)
		}
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
}

// Issue 16, finding 8: a failed sign-in's audit entry keeps a keyed hash of the
// typed name, never the name (people type passwords into the login box).
func TestFailedSignInAuditKeepsNoName(t *testing.T) {
	h := newHarness(t)
	h.user(report.RoleObserver, "anna", "")
	c := h.client()
	c.get("/login")
	typed := "Hunter2-typed-in-the-wrong-box"
	if resp, _ := c.post("/login", url.Values{"login": {typed}, "password": {"whatever it is"}}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	entries, err := h.store.AuditLog(context.Background(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, e := range entries {
		if strings.Contains(e.EntityID+e.Before+e.After+e.Actor, typed) {
			t.Errorf("the typed name is in the audit log: %+v", e)
		}
		if e.Action == report.AuditLoginFailed {
			found = true
			if e.EntityID != h.store.TypedNameHash(typed) || e.EntityID == h.store.TypedNameHash("anna") {
				t.Errorf("the entry keeps %q, want the keyed hash of the typed name", e.EntityID)
			}
		}
	}
	if !found {
		t.Fatal("no audit entry for the failed sign-in")
	}
	if _, err := h.store.VerifyAuditChain(context.Background()); err != nil {
		t.Errorf("the chain: %v", err)
	}
}
