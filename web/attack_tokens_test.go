package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// Attack review: what an API token and a disabled account can still do.

// A token carries no second factor: it may not read a fresh TOTP secret nor
// replace the account's with one its holder knows (which, with the password,
// would pass the second factor without the owner's phone).
func TestAttackTokenCannotReplaceSecondFactor(t *testing.T) {
	fx := newAccessFixture(t)
	ctx := context.Background()
	anon := fx.h.client()
	for _, actor := range []string{actAdmin, actNational, actCoordA} {
		tok := fx.tokens[actor]
		before, err := fx.h.store.UserByLogin(ctx, accessLogins[actor])
		if err != nil {
			t.Fatal(err)
		}
		if before.TOTPSecret == "" {
			t.Fatalf("%s has no second factor to replace", actor)
		}
		resp, body := fx.send(anon, tok, http.MethodGet, "/account/2fa", request{})
		if resp.StatusCode != http.StatusForbidden || secretRe.MatchString(body) {
			t.Errorf("GET /account/2fa with %s's token: %d (secret shown: %v), want 403", actor, resp.StatusCode, secretRe.MatchString(body))
		}
		k, err := totp.Generate(totp.GenerateOpts{Issuer: "Attacker", AccountName: "x"})
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(k.Secret(), fx.h.clock.now())
		resp, _ = fx.send(anon, tok, http.MethodPost, "/account/2fa", request{form: url.Values{"secret": {k.Secret()}, "code": {code}}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST /account/2fa with %s's token: %d, want 403", actor, resp.StatusCode)
		}
		after, _ := fx.h.store.UserByLogin(ctx, accessLogins[actor])
		if after.TOTPSecret != before.TOTPSecret {
			t.Errorf("%s's second factor was replaced through an API token", actor)
		}
	}
	// The person, signed in with both factors, still may (the enrolment page works).
	if resp, body := fx.clients[actNational].get("/account/2fa"); resp.StatusCode != http.StatusOK || !secretRe.MatchString(body) {
		t.Errorf("GET /account/2fa in a session: %d", resp.StatusCode)
	}
}

// Invitation links made by a coordinator stop working once the coordinator is
// disabled, as their sessions and tokens do: whoever took over the account cannot
// keep observer accounts in the region through links made before.
func TestAttackInviteOfDisabledAccountStops(t *testing.T) {
	fx := newAccessFixture(t)
	ctx := context.Background()
	coord := fx.h.user(report.RoleCoordinator, "soon-gone", regionA)
	c := fx.h.client()
	c.login("soon-gone")
	resp, body := c.post("/observers/invite", url.Values{"code": {"OBS-LEFTOVER"}, "stations": {stationA}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("invite: %d", resp.StatusCode)
	}
	i := strings.Index(body, "/invite/")
	if i < 0 {
		t.Fatal("no invitation link on the page")
	}
	token := body[i+len("/invite/"):]
	token = token[:strings.IndexAny(token, `"<& `)]
	// A second link, made by the administrator, is not affected.
	kept, err := fx.h.store.CreateInvite(ctx, storage.Invite{Role: report.RoleCoordinator, RegionCode: regionA}, time.Hour, fx.users[actAdmin])
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.h.store.DisableUser(ctx, coord.ID, fx.users[actAdmin]); err != nil {
		t.Fatal(err)
	}
	anon := fx.h.client()
	if resp, _ := anon.get("/invite/" + token); resp.StatusCode != http.StatusGone {
		t.Errorf("GET a disabled coordinator's invitation: %d, want 410", resp.StatusCode)
	}
	resp, _ = anon.post("/invite/"+token, url.Values{"login": {"leftover"}, "password": {testPassword}, "password2": {testPassword}})
	if resp.StatusCode != http.StatusGone {
		t.Errorf("POST a disabled coordinator's invitation: %d, want 410", resp.StatusCode)
	}
	if _, err := fx.h.store.UserByLogin(ctx, "leftover"); err == nil {
		t.Error("an account was made through a disabled coordinator's invitation")
	}
	if resp, _ := anon.get("/invite/" + kept); resp.StatusCode != http.StatusOK {
		t.Errorf("the administrator's invitation: %d, want 200", resp.StatusCode)
	}
}

// What a token sets up must not outlive the token: an API token may not tie a
// Telegram account of its holder's to the account (which would go on filing as
// the observer, or receiving a coordinator's alerts, after the token is revoked)
// nor send the account's alerts to an address of its holder's, nor make
// invitation links (accounts). Those are a person's choices, made signed in.
func TestAttackTokenCannotSetUpLastingAccess(t *testing.T) {
	fx := newAccessFixture(t)
	ctx := context.Background()
	if err := fx.h.store.SaveSettings(ctx, map[string]string{storage.SettingTelegramUsername: "observer_test_bot"}, report.User{}); err != nil {
		t.Fatal(err)
	}
	anon := fx.h.client()
	for _, actor := range []string{actObsA, actCoordA, actNational} {
		before := fx.snapshot()
		resp, body := fx.send(anon, fx.tokens[actor], http.MethodPost, "/account/telegram", request{})
		if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "t.me/observer_test_bot?start=") {
			t.Errorf("POST /account/telegram with %s's token: %d (link shown: %v), want 403", actor, resp.StatusCode,
				strings.Contains(body, "t.me/observer_test_bot?start="))
		}
		if diff := changed(before, fx.snapshot()); len(diff) > 0 {
			t.Errorf("POST /account/telegram with %s's token changed %v", actor, diff)
		}
	}
	for _, actor := range []string{actCoordA, actNational, actAdmin} {
		before := fx.snapshot()
		form := url.Values{"category": {"carousel_voting"}, "email_on": {"on"}, "email": {"collector@evil.example"}, "silent": {"on"}}
		resp, _ := fx.send(anon, fx.tokens[actor], http.MethodPost, "/account/alerts", request{form: form})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST /account/alerts with %s's token: %d, want 403", actor, resp.StatusCode)
		}
		if diff := changed(before, fx.snapshot()); len(diff) > 0 {
			t.Errorf("POST /account/alerts with %s's token changed %v", actor, diff)
		}
		if sub, _, _ := fx.h.store.AlertSubscription(ctx, fx.users[actor].ID); sub.Email == "collector@evil.example" {
			t.Errorf("%s's alerts go to the token holder's address", actor)
		}
	}
	// Nor may a coordinator's token make invitation links: each makes an account
	// that outlives the token.
	for _, actor := range []string{actCoordA, actNational} {
		before := fx.snapshot()
		resp, body := fx.send(anon, fx.tokens[actor], http.MethodPost, "/observers/invite",
			request{form: url.Values{"code": {"OBS-BY-TOKEN"}, "stations": {stationA}}})
		if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "/invite/") {
			t.Errorf("POST /observers/invite with %s's token: %d, want 403", actor, resp.StatusCode)
		}
		if diff := changed(before, fx.snapshot()); len(diff) > 0 {
			t.Errorf("POST /observers/invite with %s's token changed %v", actor, diff)
		}
	}
	// Signed in, the person does all three.
	if resp, body := fx.clients[actCoordA].post("/observers/invite", url.Values{"code": {"OBS-BY-HAND"}, "stations": {stationA}}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "/invite/") {
		t.Errorf("POST /observers/invite in a session: %d", resp.StatusCode)
	}
	if resp, body := fx.clients[actObsA].post("/account/telegram", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "t.me/observer_test_bot?start=") {
		t.Errorf("POST /account/telegram in a session: %d", resp.StatusCode)
	}
	form := url.Values{"category": {"carousel_voting"}, "email_on": {"on"}, "email": {"hq@example.org"}}
	if resp, _ := fx.clients[actCoordA].post("/account/alerts", form); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("POST /account/alerts in a session: %d", resp.StatusCode)
	}
}
