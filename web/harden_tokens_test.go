package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// Issue 16, finding 4: an API token, even an administrator's, opens no
// administration page or action and no observer's contact details: those need a
// person signed in with both factors. Every route marked interactive is tried.
func TestTokensCannotAdminister(t *testing.T) {
	fx := newAccessFixture(t)
	admin := fx.tokens[actAdmin]
	anon := fx.h.client()
	n := 0
	for key, r := range fx.h.srv.rules {
		if !r.interactive {
			continue
		}
		n++
		method := strings.SplitN(key, " ", 2)[0]
		in, _ := fx.input(key)
		req := request{}
		if method != http.MethodGet && in.deny != nil {
			req = in.deny()
		}
		before := fx.snapshot()
		resp, body := fx.send(anon, admin, method, fx.url(key, req), req)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s with an admin's token: %d, want 403 [%.200s]", key, resp.StatusCode, body)
		}
		if diff := changed(before, fx.snapshot()); len(diff) > 0 {
			t.Errorf("%s with an admin's token changed %v", key, diff)
		}
	}
	if n < 15 {
		t.Errorf("only %d routes are marked interactive", n)
	}
	// The reproduction: a new admin invitation by token.
	resp, _ := fx.send(anon, admin, http.MethodPost, "/admin/invites", request{form: url.Values{"role": {"admin"}}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /admin/invites with an admin's token: %d", resp.StatusCode)
	}
	// A coordinator's token exports incidents, but not with contact details.
	coord := fx.tokens[actNational]
	form := url.Values{"format": {"csv"}}
	if resp, body := fx.send(anon, coord, http.MethodPost, "/export/incidents", request{form: form}); resp.StatusCode != http.StatusOK {
		t.Errorf("an export by token: %d %.200s", resp.StatusCode, body)
	}
	form.Set("contacts", "1")
	if resp, _ := fx.send(anon, coord, http.MethodPost, "/export/incidents", request{form: form}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("an export with contact details by token: %d", resp.StatusCode)
	}
	if resp, _ := fx.send(anon, coord, http.MethodPost, "/export/pack", request{form: form}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a pack with contact details by token: %d", resp.StatusCode)
	}
	// The same export in a session that passed both factors.
	c := fx.signIn(actNational)
	if resp, _ := c.post("/export/incidents", form); resp.StatusCode != http.StatusOK {
		t.Errorf("an export with contact details in a session: %d", resp.StatusCode)
	}
}

// Issue 16, finding 4: the account page lists one's own tokens and revokes them one
// by one; another account's token cannot be revoked by changing the id.
func TestAccountTokensPage(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	anna := h.user(report.RoleObserver, "anna", "")
	boris := h.user(report.RoleObserver, "boris", "")
	tokA, idA, err := h.store.CreateNamedAPIToken(ctx, anna.ID, "laptop script", 24*time.Hour, report.User{})
	if err != nil {
		t.Fatal(err)
	}
	tokB, idB, err := h.store.CreateNamedAPIToken(ctx, boris.ID, "boris script", 24*time.Hour, report.User{})
	if err != nil {
		t.Fatal(err)
	}
	c := h.client()
	c.login("anna")
	resp, body := c.get("/account/tokens")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "laptop script") || strings.Contains(body, "boris script") || strings.Contains(body, tokA) {
		t.Fatalf("tokens page: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := c.post("/account/tokens/revoke", url.Values{"id": {strconv.FormatInt(idB, 10)}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("revoking another account's token: %d", resp.StatusCode)
	}
	if resp, _ := h.api(http.MethodGet, "/api/v1/incidents/1", tokB, "", nil); resp.StatusCode == http.StatusUnauthorized {
		t.Errorf("boris's token stopped working")
	}
	if resp, _ := c.post("/account/tokens/revoke", url.Values{"id": {strconv.FormatInt(idA, 10)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoking one's own token: %d", resp.StatusCode)
	}
	if resp, _ := h.api(http.MethodGet, "/api/v1/incidents/1", tokA, "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a revoked token still works: %d", resp.StatusCode)
	}
	if resp, body := c.get("/account/tokens"); resp.StatusCode != http.StatusOK || !strings.Contains(body, enText(t, "tokens.revoked_state")) {
		t.Errorf("the page does not say the token is revoked: %d", resp.StatusCode)
	}
}

// Issue 16, finding 4: coordinators must turn two-factor sign-in on before anything else.
func TestCoordinatorMustEnrolTOTP(t *testing.T) {
	h := newHarness(t)
	h.user(report.RoleCoordinator, "daniyar", "")
	c := h.client()
	c.get("/login")
	c.post("/login", url.Values{"login": {"daniyar"}, "password": {testPassword}})
	for _, p := range []string{"/dashboard", "/export", "/observers"} {
		if resp, _ := c.get(p); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account/2fa" {
			t.Errorf("%s for a coordinator without TOTP: %d %s", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}
