package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pquerna/otp/totp"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// adminClient creates an admin with two-factor sign-in set up and signs it in.
func adminClient(h *harness, login string) (*client, report.User) {
	h.t.Helper()
	u := h.user(report.RoleAdmin, login, "")
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Observer", AccountName: login})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.store.SetTOTPSecret(context.Background(), u.ID, key.Secret(), report.User{}); err != nil {
		h.t.Fatal(err)
	}
	c := h.client()
	c.get("/login")
	if resp, _ := c.post("/login", url.Values{"login": {login}, "password": {testPassword}}); resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("admin login: %d", resp.StatusCode)
	}
	c.get("/login/2fa")
	h.secrets[login] = key.Secret()
	code := h.clock.code(key.Secret())
	if resp, body := c.post("/login/2fa", url.Values{"code": {code}}); resp.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("admin second factor: %d %s", resp.StatusCode, body)
	}
	if resp, _ := c.get("/admin"); resp.StatusCode != http.StatusOK {
		h.t.Fatalf("admin page: %d", resp.StatusCode)
	}
	return c, u
}

const goodStationsCSV = "code;name;region;district;address;registered_voters;timezone\n" +
	"071-023;Polling station No. 23;Almaty;Bostandyk;School No. 45;1520;Asia/Almaty\n" +
	"071-024;Polling station No. 24;Almaty;Bostandyk;Lyceum No. 8;980;Asia/Almaty\n" +
	"011-001;Polling station No. 1;Astana;Yesil;School No. 3;1200;Asia/Almaty\n"

func TestAdminCreatesElectionAndImportsStations(t *testing.T) {
	h := newHarness(t)
	c, _ := adminClient(h, "chief")

	// A wrong form is shown again with the reason.
	resp, body := c.post("/admin/elections", url.Values{"code": {"Bad Code"}, "name": {"x"}, "date": {"2026-03-15"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "lower-case Latin letters") {
		t.Fatalf("bad election form: %d", resp.StatusCode)
	}
	resp, body = c.post("/admin/elections", url.Values{"code": {"kz-2026"}, "name": {"x"}, "date": {"2026-03-15"}, "timezone": {"Mars/Olympus"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Asia/Aqtobe") {
		t.Fatalf("a zone that is not one: %d", resp.StatusCode)
	}
	if _, body = c.get("/admin"); !strings.Contains(body, `name="timezone" type="text" value="Asia/Almaty"`) {
		t.Fatal("the new-election form does not offer Asia/Almaty")
	}
	resp, _ = c.post("/admin/elections", url.Values{"code": {"kz-2026"}, "name": {"Parliament 2026"}, "date": {"2026-03-15"}, "timezone": {"Asia/Aqtobe"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/elections/kz-2026" {
		t.Fatalf("create election: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if el, err := h.store.ElectionByCode(context.Background(), "kz-2026"); err != nil || el.Timezone != "Asia/Aqtobe" {
		t.Fatalf("the election's zone: %+v %v", el, err)
	}
	resp, body = c.get("/admin")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Parliament 2026") {
		t.Fatalf("elections list: %d", resp.StatusCode)
	}
	c.get("/admin/elections/kz-2026")

	// A broken file: every error listed, nothing written.
	broken := "code,region,registered_voters,colour\n071-023,Almaty,-1,red\n"
	resp, body = c.postMultipart("/admin/elections/kz-2026/stations", url.Values{}, map[string][2]string{"file": {"broken.csv", broken}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="import-errors"`) ||
		!strings.Contains(body, "line 1, column colour: unknown column") {
		t.Fatalf("broken header: %d\n%s", resp.StatusCode, body)
	}
	broken = "code,region,registered_voters\n071-023,Almaty,-1\n071 024,Almaty,5\n071-023,Almaty,7\n"
	resp, body = c.postMultipart("/admin/elections/kz-2026/stations", url.Values{}, map[string][2]string{"file": {"broken.csv", broken}})
	for _, want := range []string{"line 2, column registered_voters", "line 3, column code", "line 4, column code: the code 071-023 is already on line 2"} {
		if !strings.Contains(body, want) {
			t.Errorf("broken rows: %d, no %q", resp.StatusCode, want)
		}
	}
	el, _ := h.store.ElectionByCode(context.Background(), "kz-2026")
	if n, _ := h.store.CountStations(context.Background(), el.ID); n.Stations != 0 || n.Regions != 0 {
		t.Fatalf("a broken file wrote %+v", n)
	}

	// A good file: counts shown, hierarchy built.
	resp, _ = c.postMultipart("/admin/elections/kz-2026/stations", url.Values{}, map[string][2]string{"file": {"good.csv", "\xEF\xBB\xBF" + goodStationsCSV}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("good file: %d", resp.StatusCode)
	}
	resp, body = c.get(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Stations imported: 3 added, 0 updated, 0 unchanged.") {
		t.Fatalf("after import: %d\n%s", resp.StatusCode, body)
	}
	if !regexp.MustCompile(`(?s)<td>Almaty</td>\s*<td><code>almaty</code></td>\s*<td>1</td>\s*<td>2</td>\s*<td>2500</td>`).MatchString(body) {
		t.Errorf("region table wrong:\n%s", body)
	}
	if n, _ := h.store.CountStations(context.Background(), el.ID); n != (storage.StationCounts{Regions: 2, Districts: 2, Stations: 3, RegisteredVoters: 3700}) {
		t.Errorf("counts %+v", n)
	}

	// Observers: an unknown station is an error; then a good file.
	obs := "code,name,phone,stations\nOBS-0001,Aigerim,+7 701 000 00 01,071-023\n"
	resp, body = c.postMultipart("/admin/elections/kz-2026/observers", url.Values{},
		map[string][2]string{"file": {"o.csv", obs + "OBS-0002,,,999-999\n"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "line 3, column stations: no station with code 999-999") ||
		strings.Contains(body, "Aigerim") {
		t.Fatalf("broken observers file: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = c.postMultipart("/admin/elections/kz-2026/observers", url.Values{}, map[string][2]string{"file": {"o.csv", obs}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("observers file: %d", resp.StatusCode)
	}
	if _, body = c.get(resp.Header.Get("Location")); !strings.Contains(body, "Observers imported: 1 added, 0 updated, 0 unchanged.") {
		t.Errorf("observers import result missing:\n%s", body)
	}

	// In Russian the errors are Russian.
	c.get("/lang?to=ru&back=/admin")
	_, body = c.postMultipart("/admin/elections/kz-2026/stations", url.Values{}, map[string][2]string{"file": {"b.csv", "code,region,x\n"}})
	if !strings.Contains(body, "строка 1, столбец x: неизвестный столбец") {
		t.Errorf("Russian errors missing:\n%s", body)
	}
}

func TestAdminInvitesAndDisables(t *testing.T) {
	h := newHarness(t)
	c, _ := adminClient(h, "chief")
	coord := h.user(report.RoleCoordinator, "coord", "almaty")
	cc := h.client()
	cc.login("coord")
	if resp, _ := cc.get("/observers"); resp.StatusCode == http.StatusForbidden {
		t.Fatal("coordinator cannot open the roster")
	}

	c.get("/admin/users")
	resp, body := c.post("/admin/invites", url.Values{"role": {"coordinator"}, "region": {"astana"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `src="data:image/svg+xml;base64,`) {
		t.Fatalf("invite: %d", resp.StatusCode)
	}
	link := regexp.MustCompile(`http://test/invite/[A-Za-z0-9_-]+`).FindString(body)
	if link == "" {
		t.Fatal("no link shown")
	}
	// The invited coordinator signs up and is limited to the region.
	nc := h.client()
	path := strings.TrimPrefix(link, "http://test")
	nc.get(path)
	resp, _ = nc.post(path, url.Values{"login": {"astana-coord"}, "password": {testPassword}, "password2": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d", resp.StatusCode)
	}
	u, err := h.store.UserByLogin(context.Background(), "astana-coord")
	if err != nil || u.Role != report.RoleCoordinator || u.RegionCode != "astana" {
		t.Fatalf("invited user %+v, %v", u, err)
	}

	// The users list shows logins, roles, regions; the admin disables the coordinator.
	_, body = c.get("/admin/users")
	if !strings.Contains(body, "astana-coord") || !strings.Contains(body, "<code>almaty</code>") {
		t.Fatalf("users list:\n%s", body)
	}
	resp, _ = c.post("/admin/users/"+strconv.FormatInt(coord.ID, 10)+"/disable", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	if resp, _ := cc.get("/observers"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("disabled coordinator still signed in: %d", resp.StatusCode)
	}
	var n int
	db := rawDB(t, h.store)
	defer db.Close()
	db.QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'permission' AND entity = 'user' AND entity_id = ? AND after LIKE '%disabled%'", coord.ID).Scan(&n)
	if n != 1 {
		t.Errorf("%d audit entries for the disabling", n)
	}
}

func TestObserverCannotOpenAdminPages(t *testing.T) {
	h := newHarness(t)
	h.user(report.RoleObserver, "obs1", "almaty")
	c := h.client()
	c.login("obs1")
	for _, p := range []string{"/admin", "/admin/users", "/observers"} {
		if resp, _ := c.get(p); resp.StatusCode != http.StatusForbidden {
			t.Errorf("observer GET %s: %d", p, resp.StatusCode)
		}
	}
	c.get("/my")
	for _, p := range []string{"/admin/elections", "/admin/invites", "/observers/invite"} {
		if resp, _ := c.post(p, url.Values{"role": {"admin"}, "code": {"x-1"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("observer POST %s: %d", p, resp.StatusCode)
		}
	}
	// Coordinators cannot reach the admin pages either.
	h.user(report.RoleCoordinator, "coord", "")
	cc := h.client()
	cc.login("coord")
	if resp, _ := cc.get("/admin"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("coordinator GET /admin: %d", resp.StatusCode)
	}
}
