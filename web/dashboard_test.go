package web

import (
	"encoding/csv"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/observerkz/observer/internal/report"
)

// testidText returns the text of the first element with data-testid=id, tags removed.
func testidText(t *testing.T, body, id string) string {
	t.Helper()
	re := regexp.MustCompile(`data-testid="` + regexp.QuoteMeta(id) + `"[^>]*>`)
	loc := re.FindStringIndex(body)
	if loc == nil {
		t.Fatalf("no element %q on the page", id)
	}
	rest := body[loc[1]:]
	// The element's own text up to its first closing tag of the same depth is
	// enough for the leaf elements these tests read.
	end := strings.Index(rest, "</")
	return strings.TrimSpace(html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(rest[:end], "")))
}

// section returns the HTML of the element with data-testid=id up to the next one named next.
func section(t *testing.T, body, id, next string) string {
	t.Helper()
	i := strings.Index(body, `data-testid="`+id+`"`)
	if i < 0 {
		t.Fatalf("no section %q", id)
	}
	rest := body[i:]
	if j := strings.Index(rest[1:], `data-testid="`+next+`"`); next != "" && j >= 0 {
		rest = rest[:j+1]
	}
	return rest
}

func TestDashboardJSONCSVAndXLSXAgree(t *testing.T) {
	h := newHarness(t)
	k := newKnownElection(t, h.store)
	// A coordinator for the whole country (admins must set up two-factor sign-in first).
	h.user(report.RoleCoordinator, "coord", "")
	admin := h.client()
	admin.login("coord")

	// The JSON document.
	tok := h.token(mustUser(t, h, "coord"))
	resp, body := h.api(http.MethodGet, "/api/v1/elections/kz-2022-presidential/stats", tok, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stats API: %d %s", resp.StatusCode, body)
	}
	var doc report.StatsDocument
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	counting := doc.Phases.Counting
	if a := counting.Assessment; a.N != 115 || a.Negative != 65 || a.PctNegative == nil || *a.PctNegative != 56.5 {
		t.Fatalf("counting assessment %+v", a)
	}
	if q := counting.Questions["count_mobile_excess_invalidated"]; q.Yes != 15 || q.N != 79 || *q.PctYes != 19.0 {
		t.Fatalf("follow-up %+v", q)
	}
	if c := counting.Categories["ballot_stuffing"]; c.Incidents != 6 || c.ObservationsWith != 2 || c.N != 120 {
		t.Fatalf("ballot stuffing %+v", c)
	}
	if c := counting.ProtocolChecks["ballots_exceed_voters"]; c.Flagged != 10 || c.N != 111 || *c.Pct != 9.0 {
		t.Fatalf("check %+v", c)
	}
	if doc.Phases.Opening.Observations != 0 || doc.Phases.Opening.Assessment.PctNegative != nil {
		t.Fatalf("opening should have no observations and a null share: %+v", doc.Phases.Opening)
	}
	if !strings.Contains(body, `"pct_negative":null`) {
		t.Fatal("a share without a denominator must be null in the JSON")
	}
	if len(doc.Breakdown) != 3 || doc.Breakdown[1].Code != "ALM" || doc.Breakdown[2].Code != "AST" {
		t.Fatalf("breakdown %+v", doc.Breakdown)
	}

	// The screen.
	resp, page := admin.get("/dashboard")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: %d", resp.StatusCode)
	}
	for id, want := range map[string]string{
		"negative-counting":   "57%",
		"negative-tabulation": "5 of 12",
		"negative-opening":    "—",
		"phrase-counting":     "The count was assessed negatively in more than half (57%) of 115 observations.",
		"phrase-tabulation":   "The tabulation was assessed negatively in 5 of 12 observations.",
		"incidents-today":     "4",
	} {
		if got := testidText(t, page, id); got != want {
			t.Errorf("%s: got %q, want %q", id, got, want)
		}
	}
	if !strings.Contains(page, "Counting observed in 120 of 140 polling stations, 120 observations") {
		t.Error("counting coverage sentence missing")
	}
	if !strings.Contains(page, "Opening observed in 0 of 140 polling stations, 0 observations") {
		t.Error("opening coverage sentence missing")
	}
	countingHTML := section(t, page, "phase-counting", "phase-tabulation")
	// The follow-up's problem answer is "no": 64 of 79 = 81%; its parent's is "yes": 81 of 100.
	for id, want := range map[string]string{"q-count_mobile_excess_invalidated": "81%", "q-count_mobile_exceeds_requests": "81%",
		"q-count_ballots_exceed_voters": "—"} {
		if got := testidText(t, section(t, countingHTML, id, "q-"), "share"); got != want {
			t.Errorf("%s: got %q want %q", id, got, want)
		}
	}
	if got := testidText(t, section(t, countingHTML, "cat-ballot_stuffing", "cat-"), "share"); got != "2%" {
		t.Errorf("ballot stuffing share %q", got)
	}
	if got := testidText(t, section(t, countingHTML, "check-ballots_exceed_voters", "check-"), "share"); got != "9%" {
		t.Errorf("check share %q", got)
	}
	openingHTML := section(t, page, "phase-opening", "phase-voting")
	if strings.Contains(openingHTML, ">0%<") {
		t.Error("a phase without observations must show —, not 0%")
	}
	if got := testidText(t, section(t, openingHTML, "q-open_on_time", "q-"), "share"); got != "—" {
		t.Errorf("opening question share %q", got)
	}
	// Small n on the screen: voting has 2 forms, both answering group voting yes.
	if got := testidText(t, section(t, page, "q-vote_group_voting", "q-"), "share"); got != "2 of 2" {
		t.Errorf("small n shown as %q", got)
	}
	if !strings.Contains(page, `href="/incidents?category=ballot_stuffing&amp;phase=counting"`) {
		t.Error("category count should link to its incidents")
	}
	if !strings.Contains(page, `href="/incidents?phase=counting&amp;region=ALM"`) {
		t.Error("region cells should link to their incidents")
	}
	// Today by region: Almaty's three witnessed incidents (its two phone reports
	// are three days old), Astana's verified one.
	if a, b := testidText(t, page, "today-ALM"), testidText(t, page, "today-AST"); a != "3" || b != "1" {
		t.Errorf("today by region: ALM %q, AST %q", a, b)
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, " style=") {
		t.Error("the CSP forbids inline script and style")
	}

	// The CSV: the same numbers as the screen and the JSON.
	resp, csvBody := admin.get("/dashboard/export.csv")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(csvBody, "\uFEFF") {
		t.Fatalf("csv: %d, BOM %v", resp.StatusCode, strings.HasPrefix(csvBody, "\uFEFF"))
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvBody, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0][:10], ",") != "phase,kind,code,label,k,n,pct,ci_low,ci_high,small_n" {
		t.Fatalf("csv header %v", recs[0])
	}
	csvRows := map[string][]string{}
	for _, r := range recs[1:] {
		csvRows[r[0]+"/"+r[1]+"/"+r[2]] = r
	}
	check := func(key string, want ...string) {
		t.Helper()
		r := csvRows[key]
		if r == nil {
			t.Fatalf("no csv row %s", key)
		}
		if got := r[4 : 4+len(want)]; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: csv %v, want %v", key, got, want)
		}
	}
	ci := func(iv *report.Interval) []string {
		return []string{pctText(iv[0]), pctText(iv[1])}
	}
	a := counting.Assessment
	check("counting/assessment/negative", append([]string{"65", "115", "56.5"}, append(ci(a.CI95), "false")...)...)
	check("tabulation/assessment/negative", "5", "12", "41.7")
	check("opening/assessment/negative", "0", "0", "", "", "", "true")
	check("counting/question/count_mobile_excess_invalidated", "64", "79", "81.0")
	check("counting/question/count_mobile_exceeds_requests", append([]string{"81", "100", "81.0"},
		ci(counting.Questions["count_mobile_exceeds_requests"].CI95)...)...)
	check("counting/category/ballot_stuffing", "2", "120", "1.7")
	check("counting/check/ballots_exceed_voters", "10", "111", "9.0")
	check("counting/coverage/stations", "120", "140", "85.7")
	if r := csvRows["counting/category/ballot_stuffing"]; r[11] != "6" || r[12] != "3" {
		t.Errorf("category incidents and stations in csv: %v", r)
	}

	// The XLSX holds the same rows.
	resp, xbody := admin.get("/dashboard/export.xlsx")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("xlsx: %d", resp.StatusCode)
	}
	x, err := excelize.OpenReader(strings.NewReader(xbody))
	if err != nil {
		t.Fatal(err)
	}
	xrows, err := x.GetRows("statistics")
	if err != nil {
		t.Fatal(err)
	}
	if len(xrows) != len(recs) {
		t.Fatalf("xlsx has %d rows, csv %d", len(xrows), len(recs))
	}
	for i, r := range xrows {
		for j := 0; j < 10 && j < len(r); j++ {
			if !sameCell(r[j], recs[i][j]) {
				t.Fatalf("xlsx row %d col %d: %q, csv %q", i, j, r[j], recs[i][j])
			}
		}
	}
	if sheets := x.GetSheetList(); len(sheets) != 2 || sheets[1] != "by_region" {
		t.Errorf("sheets %v", sheets)
	}

	// A new submission shows at once: the caches follow the store's commits.
	k.write(func(tx *rawTx) {
		k.form(tx, formRow{station: k.almStations[69], phase: report.PhaseOpening, assessment: report.AssessVeryBad})
		k.incident(tx, incidentRow{station: k.almStations[69], phase: report.PhaseOpening, category: "box_not_sealed", occurred: h.store.Now()})
	})
	_, page = admin.get("/dashboard")
	if got := testidText(t, page, "negative-opening"); got != "1 of 1" {
		t.Errorf("after a new form: opening negative %q", got)
	}
	if got := testidText(t, page, "incidents-today"); got != "5" {
		t.Errorf("after a new incident: today %q", got)
	}
	_, page = admin.get("/dashboard?status=verified")
	if got := testidText(t, page, "incidents-today"); got != "1" {
		t.Errorf("verified only: today %q", got)
	}

	// A time window: the two phone reports of three days ago fall outside it.
	from := time.Now().Add(-24 * time.Hour).In(mustLoc(t, "Asia/Almaty")).Format("2006-01-02T15:04")
	resp, page = admin.get("/dashboard?from=" + from)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "5 incidents in all") || !strings.Contains(page, `value="`+from+`"`) {
		t.Errorf("window: %d, incidents in all %v", resp.StatusCode, strings.Contains(page, "5 incidents in all"))
	}
	if a, b := testidText(t, page, "today-ALM"), testidText(t, page, "today-AST"); a != "4" || b != "1" {
		t.Errorf("window: today by region: ALM %q, AST %q", a, b)
	}
	if strings.Count(section(t, page, "timeline", ""), `class="day"`) != 1 {
		t.Error("the window's timeline should hold one day")
	}
	resp, body = h.api(http.MethodGet, "/api/v1/elections/kz-2022-presidential/stats?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z", tok, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"from":"2020-01-01T00:00:00Z"`) || !strings.Contains(body, `"observations":0`) {
		t.Errorf("windowed API: %d %.200s", resp.StatusCode, body)
	}
	if resp, body := h.api(http.MethodGet, "/api/v1/elections/kz-2022-presidential/stats?from=soon", tok, "", nil); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"from"`) {
		t.Errorf("bad window: %d %s", resp.StatusCode, body)
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// sameCell compares a workbook cell with a CSV cell: numbers by value (the
// workbook shows 0.0 as 0), booleans without regard to case.
func sameCell(x, c string) bool {
	if x == c || strings.EqualFold(x, c) {
		return true
	}
	a, err1 := strconv.ParseFloat(x, 64)
	b, err2 := strconv.ParseFloat(c, 64)
	return err1 == nil && err2 == nil && a == b
}

func mustUser(t *testing.T, h *harness, login string) report.User {
	t.Helper()
	u, err := h.store.UserByLogin(t.Context(), login)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestDashboardScopeAndAccess(t *testing.T) {
	h := newHarness(t)
	newKnownElection(t, h.store)
	coord := h.user(report.RoleCoordinator, "coord-alm", "ALM")
	obs := h.user(report.RoleObserver, "obs1", "ALM")
	tok := h.token(coord)

	// A region-limited coordinator gets their region whatever they leave out...
	resp, body := h.api(http.MethodGet, "/api/v1/elections/kz-2022-presidential/stats", tok, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("coordinator stats: %d %s", resp.StatusCode, body)
	}
	var doc report.StatsDocument
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Scope.Region == nil || *doc.Scope.Region != "ALM" || doc.Phases.Counting.Observations != 60 {
		t.Fatalf("coordinator scope %+v, counting %d", doc.Scope, doc.Phases.Counting.Observations)
	}
	if doc.Breakdown[0].Level != report.LevelRegion || doc.Breakdown[1].Level != report.LevelDistrict {
		t.Fatalf("breakdown of a region is by district: %+v", doc.Breakdown)
	}
	// ...and a refusal when naming another.
	if resp, _ := h.api(http.MethodGet, "/api/v1/elections/kz-2022-presidential/stats?region=AST", tok, "", nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("other region: %d", resp.StatusCode)
	}
	if resp, _ := h.api(http.MethodGet, "/api/v1/elections/kz-2022-presidential/stats?region=ALM&district=ALM-01&status=verified", tok, "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("own district: %d", resp.StatusCode)
	}
	if resp, body := h.api(http.MethodGet, "/api/v1/elections/kz-2022-presidential/stats?status=maybe", tok, "", nil); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"status"`) {
		t.Fatalf("bad status: %d %s", resp.StatusCode, body)
	}
	if resp, _ := h.api(http.MethodGet, "/api/v1/elections/kz-2022-presidential/stats?district=NOPE", tok, "", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown district: %d", resp.StatusCode)
	}

	c := h.client()
	c.login("coord-alm")
	resp, page := c.get("/dashboard")
	if resp.StatusCode != http.StatusOK || !strings.Contains(testidText(t, page, "scope"), "Region: Almaty") {
		t.Fatalf("coordinator dashboard: %d %q", resp.StatusCode, testidText(t, page, "scope"))
	}
	// Today by district: stations 0 and 5 of Almaty, both in ALM-01.
	if got := testidText(t, page, "today-ALM-01"); got != "3" {
		t.Errorf("today in ALM-01: %q", got)
	}
	if !strings.Contains(page, `data-testid="row-district-ALM-01"`) {
		t.Error("a region's dashboard breaks down by district")
	}
	if resp, _ := c.get("/dashboard?region=AST"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("coordinator asking for another region's dashboard: %d", resp.StatusCode)
	}
	if resp, _ := c.get("/dashboard/export.csv?region=AST"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("coordinator asking for another region's CSV: %d", resp.StatusCode)
	}
	resp, page = c.get("/dashboard?district=ALM-01")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="row-station-01-000"`) {
		t.Fatalf("district dashboard: %d", resp.StatusCode)
	}

	// Observers see neither the dashboard nor the statistics.
	o := h.client()
	o.login("obs1")
	for _, p := range []string{"/dashboard", "/dashboard/export.csv", "/dashboard/export.xlsx"} {
		if resp, _ := o.get(p); resp.StatusCode != http.StatusForbidden {
			t.Errorf("observer %s: %d", p, resp.StatusCode)
		}
	}
	if resp, _ := h.api(http.MethodGet, "/api/v1/elections/kz-2022-presidential/stats", h.token(obs), "", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("observer stats API: %d", resp.StatusCode)
	}
	if resp, _ := h.api(http.MethodGet, "/api/v1/elections/kz-2022-presidential/stats", "", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous stats API: %d", resp.StatusCode)
	}
}

func TestCSVCellGuardsFormulas(t *testing.T) {
	for in, want := range map[any]string{"=SUM(A1)": "'=SUM(A1)", "+7": "'+7", "-x": "'-x", "@a": "'@a", "Almaty": "Almaty",
		12: "12", 56.5: "56.5", true: "true", nil: ""} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%v) = %q, want %q", in, got, want)
		}
	}
}
