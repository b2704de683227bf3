package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// An administrator disables a coordinator and enables the account again from the
// users page: the coordinator signs in afresh, while the browser session and API
// token that disabling ended stay dead. The change is audit-logged once, with
// before and after; the page and its message speak each language.
func TestAdminEnablesUserAgain(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	admin, _ := adminClient(h, "root")
	coord := h.user(report.RoleCoordinator, "coord-alm", "ALM")
	token := h.token(coord)
	old := h.client()
	old.login("coord-alm")
	enable := "/admin/users/" + strconv.FormatInt(coord.ID, 10) + "/enable"

	admin.get("/admin/users")
	if resp, _ := admin.post("/admin/users/"+strconv.FormatInt(coord.ID, 10)+"/disable", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	_, body := admin.get("/admin/users")
	if !strings.Contains(body, `action="`+enable+`"`) || !strings.Contains(body, `data-testid="enable-coord-alm"`) {
		t.Fatalf("no enable button for the disabled account:\n%s", body)
	}
	resp, _ := admin.post(enable, url.Values{})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/users" {
		t.Fatalf("enable: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = admin.get("/admin/users")
	if !strings.Contains(body, enText(t, "admin.user_enabled")) || strings.Contains(body, `data-testid="enable-coord-alm"`) {
		t.Errorf("after enabling, the page shows no message or still the button")
	}
	if u, _ := h.store.User(ctx, coord.ID); u.DisabledAt != nil {
		t.Fatal("still disabled")
	}

	// What disabling ended stays ended.
	if resp, _ := old.get("/verify"); classify(resp) != toLogin {
		t.Errorf("the session from before disabling works again: %d", resp.StatusCode)
	}
	if resp, _ := h.api(http.MethodGet, "/api/v1/elections/none/incidents", token, "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the token from before disabling works again: %d", resp.StatusCode)
	}
	// Signing in again works.
	fresh := h.client()
	fresh.login("coord-alm")
	if resp, _ := fresh.get("/verify"); resp.StatusCode != http.StatusOK {
		t.Errorf("the re-enabled coordinator cannot work: %d", resp.StatusCode)
	}

	// Enabling an active account, or one that does not exist, changes nothing.
	if resp, _ := admin.post(enable, url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("enabling twice: %d", resp.StatusCode)
	}
	if resp, _ := admin.post("/admin/users/99999/enable", url.Values{}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown account: %d", resp.StatusCode)
	}
	// Without the form's CSRF token, nothing happens.
	h.store.DisableUser(ctx, coord.ID, report.User{Login: "test"})
	csrf := admin.csrf
	admin.csrf = "wrong"
	if resp, _ := admin.post(enable, url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("enable without the CSRF token: %d", resp.StatusCode)
	}
	admin.csrf = csrf
	if u, _ := h.store.User(ctx, coord.ID); u.DisabledAt == nil {
		t.Error("enabled without the CSRF token")
	}

	var n int
	var before, after string
	db := rawDB(t, h.store)
	defer db.Close()
	db.QueryRowContext(ctx, `SELECT COUNT(*), MAX(before), MAX(after) FROM audit_log WHERE action = 'permission' AND entity = 'user'
		AND entity_id = ? AND after = '{"disabled":false}'`, coord.ID).Scan(&n, &before, &after)
	if n != 1 || !strings.HasPrefix(before, `{"disabled":true,"disabled_at":"`) {
		t.Errorf("%d audit entries for enabling (before %s, after %s)", n, before, after)
	}

	for _, lang := range []string{"ru", "kk"} {
		admin.get("/lang?to=" + lang + "&back=/admin/users")
		_, body := admin.get("/admin/users")
		if !strings.Contains(body, i18n.New(lang).T("admin.enable")) {
			t.Errorf("%s: the button is not translated", lang)
		}
	}
}
