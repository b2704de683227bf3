package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

func TestAlertSubscriptionPage(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if _, err := h.store.CreateElection(ctx, "kz-al", "Alerts", "2026-03-15", "", report.User{}); err != nil {
		t.Fatal(err)
	}
	coord := h.user(report.RoleCoordinator, "al-coord", "ALA")
	c := h.client()
	c.login(coord.Login)
	resp, body := c.get("/account/alerts")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "ALA") {
		t.Fatalf("page %d:\n%s", resp.StatusCode, body)
	}
	// The defaults are ticked before anything is saved.
	if !strings.Contains(body, `value="observer_detained" checked`) {
		t.Errorf("default categories not ticked")
	}
	bad := url.Values{"category": {"carousel_voting"}, "email_on": {"on"}, "email": {"not an address"}}
	if resp, _ := c.post("/account/alerts", bad); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a bad address answered %d", resp.StatusCode)
	}
	if _, found, _ := h.store.AlertSubscription(ctx, coord.ID); found {
		t.Fatal("a refused form saved a subscription")
	}
	unknown := url.Values{"category": {"carousel_voting", "no_such"}}
	if resp, _ := c.post("/account/alerts", unknown); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("an unknown category answered %d", resp.StatusCode)
	}
	good := url.Values{"category": {"carousel_voting", "ballot_stuffing", "carousel_voting"}, "email_on": {"on"}, "email": {"hq@example.org"}}
	if resp, _ := c.post("/account/alerts", good); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving answered %d", resp.StatusCode)
	}
	sub, found, err := h.store.AlertSubscription(ctx, coord.ID)
	if err != nil || !found {
		t.Fatal("not saved", err)
	}
	if !slices.Equal(sub.Categories, []string{"carousel_voting", "ballot_stuffing"}) || !sub.ByEmail || sub.ByTelegram || sub.Email != "hq@example.org" || sub.Silent {
		t.Fatalf("saved %+v", sub)
	}
	// Another coordinator's subscription is their own: the form names no user.
	other := h.user(report.RoleCoordinator, "al-other", "AST")
	if _, found, _ := h.store.AlertSubscription(ctx, other.ID); found {
		t.Fatal("saving touched another account")
	}
}

func TestAdminAlertsPageShowsFailures(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	el, err := h.store.CreateElection(ctx, "kz-al", "Alerts", time.Now().Format("2006-01-02"), "", report.User{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.ImportStations(ctx, el, []report.StationRecord{{Code: "071-023", Region: "Almaty", RegionCode: "ALA"}}, report.User{}); err != nil {
		t.Fatal(err)
	}
	st, _ := h.store.StationByCode(ctx, el.ID, "071-023")
	obs := h.user(report.RoleObserver, "al-obs", "ALA")
	coord := h.user(report.RoleCoordinator, "al-coord", "ALA")
	if err := h.store.SaveAlertSubscription(ctx, report.AlertSubscription{UserID: coord.ID, Categories: []string{"carousel_voting"},
		ByEmail: true, Email: "hq@example.org"}, "en", coord); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.store.SaveIncident(ctx, report.Incident{ElectionID: el.ID, ClientID: "al-1", StationID: st.ID, Station: st,
		Phase: report.PhaseVoting, Category: "carousel_voting", OccurredAt: time.Now().Add(-time.Minute), Witnessed: true}, obs); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.EnqueueAlerts(ctx, "http://test"); err != nil {
		t.Fatal(err)
	}
	// The store's clock, which the harness moves on a step per TOTP code made.
	due, err := h.store.DueAlerts(ctx, h.store.Now().Add(time.Second), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due %v %v", due, err)
	}
	if err := h.store.AlertsFailed(ctx, due, "mail: 451 try again later", h.store.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	admin := h.user(report.RoleAdmin, "al-admin", "")
	c := h.client()
	c.login(admin.Login)
	_, body := c.get("/account/2fa")
	m := secretRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no TOTP secret shown")
	}
	code := h.clock.code(m[1])                      // at the store's clock, as the harness makes codes
	current := h.clock.code(h.secrets[admin.Login]) // replacing the secret login enrolled
	if resp, _ := c.post("/account/2fa", url.Values{"secret": {m[1]}, "code": {code}, "current_code": {current}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("enrol: %d", resp.StatusCode)
	}
	resp, body := c.get("/admin/alerts")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="alerts-failing"`) ||
		!strings.Contains(body, "451 try again later") || !strings.Contains(body, "al-coord") {
		t.Fatalf("admin alerts page %d:\n%s", resp.StatusCode, body)
	}
}
