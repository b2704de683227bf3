package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// rosterFixture is an election with stations in Almaty and Astana and one observer
// in each region.
func rosterFixture(t *testing.T) (*harness, report.Election) {
	t.Helper()
	h := newHarness(t)
	ctx := context.Background()
	el, err := h.store.CreateElection(ctx, "kz-2026", "Parliament 2026", "2026-03-15", "", report.User{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := report.ParseStations(strings.NewReader(goodStationsCSV))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.ImportStations(ctx, el, recs, report.User{}); err != nil {
		t.Fatal(err)
	}
	obs, err := report.ParseObservers(strings.NewReader("code,name,phone,stations\n" +
		"OBS-0001,Aigerim Almaty,+7 701 000 00 01,071-023\n" +
		"OBS-0002,Bolat Astana,+7 701 000 00 02,011-001\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.ImportObservers(ctx, el, obs, report.User{}); err != nil {
		t.Fatal(err)
	}
	return h, el
}

func TestRegionCoordinatorSeesOnlyTheirRegion(t *testing.T) {
	h, _ := rosterFixture(t)
	h.user(report.RoleCoordinator, "coord-almaty", "almaty")
	c := h.client()
	c.login("coord-almaty")
	resp, body := c.get("/observers")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("roster: %d", resp.StatusCode)
	}
	if !strings.Contains(body, "OBS-0001") || strings.Contains(body, "OBS-0002") {
		t.Fatalf("region-limited roster shows the wrong observers:\n%s", body)
	}
	// No personal data on the list.
	if strings.Contains(body, "Aigerim") || strings.Contains(body, "000 00 01") {
		t.Fatal("personal data on the roster")
	}

	// Contact details of another region's observer: 404, and nothing logged as read.
	other, _ := h.store.ObserverByCode(context.Background(), "OBS-0002")
	resp, body = c.post("/observers/"+strconv.FormatInt(other.ID, 10)+"/contact", url.Values{})
	if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Bolat") {
		t.Fatalf("other region's contact: %d", resp.StatusCode)
	}
	// Inviting into another region: the station is not theirs.
	resp, body = c.post("/observers/invite", url.Values{"code": {"OBS-0100"}, "stations": {"011-001"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "no station 011-001") {
		t.Fatalf("invite at another region's station: %d", resp.StatusCode)
	}
	// Taking over another region's observer code: 404.
	resp, _ = c.post("/observers/invite", url.Values{"code": {"OBS-0002"}, "stations": {"071-024"}})
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("invite another region's observer: %d", resp.StatusCode)
	}
	if _, err := h.store.ObserverByCode(context.Background(), "OBS-0100"); err == nil {
		t.Fatal("a refused invitation created an observer")
	}
	el, _ := h.store.ElectionByCode(context.Background(), "kz-2026")
	if sts, _ := h.store.AssignedStations(context.Background(), other.ID, el.ID); len(sts) != 1 || sts[0].Code != "011-001" {
		t.Fatalf("another region's observer was reassigned: %+v", sts)
	}

	// Their own observer's contact details: shown, and the read is audit-logged.
	mine, _ := h.store.ObserverByCode(context.Background(), "OBS-0001")
	resp, body = c.post("/observers/"+strconv.FormatInt(mine.ID, 10)+"/contact", url.Values{})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Aigerim Almaty") {
		t.Fatalf("own contact: %d", resp.StatusCode)
	}
	var n int
	db := rawDB(t, h.store)
	defer db.Close()
	db.QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = ? AND actor = 'coord-almaty'", report.AuditContactsRead).Scan(&n)
	if n != 1 {
		t.Errorf("%d contacts_read audit entries, want 1", n)
	}
}

var inviteLinkRe = regexp.MustCompile(`http://test(/invite/[A-Za-z0-9_-]+)`)

func TestCoordinatorInvitesObserver(t *testing.T) {
	h, el := rosterFixture(t)
	h.user(report.RoleCoordinator, "coord-almaty", "almaty")
	c := h.client()
	c.login("coord-almaty")
	_, body := c.get("/observers")
	if !strings.Contains(body, `value="OBS-0003"`) {
		t.Fatalf("the next free code is not proposed:\n%s", body)
	}
	resp, body := c.post("/observers/invite", url.Values{"code": {"OBS-0003"}, "stations": {"071-023; 071-024"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="invite-qr"`) {
		t.Fatalf("invite: %d\n%s", resp.StatusCode, body)
	}
	m := inviteLinkRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no invitation link")
	}

	// The observer opens the link on the phone and creates the account.
	phone := h.client()
	phone.get(m[1])
	resp, _ = phone.post(m[1], url.Values{"login": {"aigul"}, "password": {testPassword}, "password2": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d", resp.StatusCode)
	}
	u, err := h.store.UserByLogin(context.Background(), "aigul")
	if err != nil || u.Role != report.RoleObserver {
		t.Fatalf("account %+v, %v", u, err)
	}
	o, _ := h.store.Observer(context.Background(), u.ObserverID)
	sts, _ := h.store.AssignedStations(context.Background(), o.ID, el.ID)
	if o.Code != "OBS-0003" || o.RegionCode != "almaty" || len(sts) != 2 {
		t.Fatalf("observer %+v with %+v", o, sts)
	}
	// The link works once.
	if resp, _ := h.client().get(m[1]); resp.StatusCode != http.StatusGone {
		t.Errorf("used link: %d", resp.StatusCode)
	}
	// The roster now shows the account.
	_, body = c.get("/observers")
	if !regexp.MustCompile(`(?s)OBS-0003.*071-023, 071-024.*aigul`).MatchString(body) {
		t.Errorf("roster after sign-up:\n%s", body)
	}
	// The observer cannot open the roster.
	if resp, _ := phone.get("/observers"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("observer on /observers: %d", resp.StatusCode)
	}
}

func TestStationSearch(t *testing.T) {
	h, el := rosterFixture(t)
	h.user(report.RoleCoordinator, "national", "")
	h.user(report.RoleCoordinator, "coord-astana", "astana")
	obs := h.user(report.RoleObserver, "obs", "")
	ctx := context.Background()
	st, _ := h.store.StationByCode(ctx, el.ID, "071-024")
	if err := h.store.Write(ctx, func(tx *storage.Tx) error {
		_, err := storage.SetAssignments(tx, obs.ObserverID, el.ID, []int64{st.ID}, report.User{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	search := func(c *client, q string) []stationHit {
		t.Helper()
		resp, body := c.get("/stations/search?q=" + url.QueryEscape(q))
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("search %q: %d %s", q, resp.StatusCode, body)
		}
		var hits []stationHit
		if err := json.Unmarshal([]byte(body), &hits); err != nil {
			t.Fatal(err)
		}
		return hits
	}
	codes := func(hits []stationHit) string {
		var cs []string
		for _, h := range hits {
			cs = append(cs, h.Code)
		}
		return strings.Join(cs, " ")
	}
	nc := h.client()
	nc.login("national")
	hits := search(nc, "071-02")
	if codes(hits) != "071-023 071-024" || hits[0].Name != "Polling station No. 23" || hits[0].Region != "Almaty" || hits[0].District != "Bostandyk" {
		t.Errorf("national search: %+v", hits)
	}
	if got := codes(search(nc, "school no. 3")); got != "011-001" {
		t.Errorf("search by address: %q", got)
	}
	ac := h.client()
	ac.login("coord-astana")
	if got := codes(search(ac, "0")); got != "011-001" {
		t.Errorf("region-limited search: %q", got)
	}
	oc := h.client()
	oc.login("obs")
	if got := codes(search(oc, "polling")); got != "071-024 011-001 071-023" {
		t.Errorf("observer search (assigned first): %q", got)
	}
	// Signed-out callers are sent to sign in.
	if resp, _ := h.client().get("/stations/search?q=071"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous search: %d", resp.StatusCode)
	}
}
