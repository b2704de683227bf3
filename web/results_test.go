package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/results"
)

// resultsFixture: two regions, a counting observation with protocol figures at a
// station of each, and official results imported through the admin page.
type resultsFixture struct {
	h            *harness
	el           report.Election
	obsA, obsB   int64
	admin, natc  *client
	coordB       *client
	natTok, bTok string
}

func newResultsFixture(t *testing.T) *resultsFixture {
	h := newHarness(t)
	ctx := context.Background()
	el, err := h.store.CreateElection(ctx, "kz-res", "Results test", "2026-03-15", "", report.User{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := report.ParseStations(strings.NewReader("code,region,region_code,registered_voters\n" +
		"071-023,Almaty,ALM,1500\n071-024,Almaty,ALM,900\n011-001,Astana,AST,1200\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.ImportStations(ctx, el, recs, report.User{}); err != nil {
		t.Fatal(err)
	}
	nat := h.user(report.RoleCoordinator, "natc", "")
	h.user(report.RoleCoordinator, "coordb", "AST")
	f := &resultsFixture{h: h, el: el}
	save := func(client, station string, p report.Protocol) int64 {
		id, _, err := h.store.SaveObservation(ctx, report.Observation{ElectionID: el.ID, ClientID: client, Station: report.Station{Code: station},
			Phase: report.PhaseCounting, Protocol: &p, State: report.StateSubmitted}, nat)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	f.obsA = save("a", "071-023", report.Protocol{RegisteredVoters: i64(1500), VotersVoted: i64(800), BallotsInvalid: i64(10),
		BallotsStationary: i64(780), BallotsMobile: i64(20), Votes: map[string]int64{"C1": 400, "c2": 390}})
	f.obsB = save("b", "011-001", report.Protocol{RegisteredVoters: i64(1200), VotersVoted: i64(600), Votes: map[string]int64{"c1": 300}})
	f.admin, _ = adminClient(h, "adm")
	f.natc, f.coordB = h.client(), h.client()
	f.natc.login("natc")
	f.coordB.login("coordb")
	f.natTok, f.bTok = h.token(nat), h.token(mustUser(t, h, "coordb"))
	return f
}

// The official figures moved 100 votes to c1 at 071-023 and issued 50 more ballots
// at 011-001.
const officialCSV = "station;registered_voters;ballots_issued;ballots_valid;ballots_invalid;votes:c1;votes:c2\n" +
	"071-023;1500;800;790;10;500;290\n" +
	"071-024;900;450;445;5;300;145\n" +
	"011-001;1200;650;640;10;300;340\n"

func (f *resultsFixture) importResults(t *testing.T, label, file string) {
	t.Helper()
	path := "/admin/elections/" + f.el.Code + "/results"
	f.admin.get(path)
	resp, page := f.admin.postMultipart(path+"/preview", url.Values{"label": {label}, "source": {"https://example.org/" + label}},
		map[string][2]string{"file": {"r.csv", file}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="results-confirm"`) {
		t.Fatalf("preview: %d %s", resp.StatusCode, page)
	}
	token := regexpFind(t, page, `name="token" value="([0-9a-f]+)"`)
	resp, _ = f.admin.post(path, url.Values{"token": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("import: %d", resp.StatusCode)
	}
}

func TestResultsImportPreviewRefusesBadFiles(t *testing.T) {
	f := newResultsFixture(t)
	path := "/admin/elections/" + f.el.Code + "/results"
	f.admin.get(path)
	bad := "station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1\n071-023,1500,x,1,1,1\nNOPE-9,1,1,1,1,1\n"
	resp, page := f.admin.postMultipart(path+"/preview", url.Values{"label": {"final"}}, map[string][2]string{"file": {"r.csv", bad}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "line 2, column ballots_issued: “x” is not a whole number") {
		t.Fatalf("bad file: %d %s", resp.StatusCode, section(t, page, "results-preview", ""))
	}
	f.importResults(t, "final", officialCSV)
	// The same label again is refused at the preview.
	resp, page = f.admin.postMultipart(path+"/preview", url.Values{"label": {"final"}}, map[string][2]string{"file": {"r.csv", officialCSV}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "already has a results version labelled “final”") {
		t.Fatalf("label again: %d", resp.StatusCode)
	}
	// A token is good once, and only for its uploader.
	resp, _ = f.admin.post(path, url.Values{"token": {"00ff"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("unknown token: %d", resp.StatusCode)
	}
	vs, _ := f.h.store.ResultVersions(context.Background(), f.el.ID)
	if len(vs) != 1 || vs[0].Stations != 3 || vs[0].Source != "https://example.org/final" || len(vs[0].SHA256) != 64 {
		t.Fatalf("versions %+v", vs)
	}
}

func TestDiscrepanciesAPIAndScope(t *testing.T) {
	f := newResultsFixture(t)
	h := f.h
	api := "/api/v1/elections/" + f.el.Code + "/discrepancies"
	if resp, body := h.api(http.MethodGet, api, f.natTok, "", nil); resp.StatusCode != http.StatusOK || body != "[]\n" {
		t.Fatalf("before any import: %d %q", resp.StatusCode, body)
	}
	if resp, _ := h.api(http.MethodGet, "/api/v1/elections/"+f.el.Code+"/forensics", f.natTok, "", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("forensics before any import: %d", resp.StatusCode)
	}
	f.importResults(t, "final", officialCSV)
	resp, body := h.api(http.MethodGet, api, f.natTok, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	// 071-023: c1 400 → 500 and c2 390 → 290 (the leader moved 100): its rows first,
	// by absolute difference then figure; then 011-001: issued 600 → 650.
	want := []string{"071-023 votes:c1 400 500 100", "071-023 votes:c2 390 290 -100", "011-001 ballots_issued 600 650 50"}
	var rows []string
	for _, d := range got {
		if len(d) != 6 {
			t.Errorf("row has %d keys: %v", len(d), d)
		}
		rows = append(rows, strings.Join([]string{d["station"].(string), d["figure"].(string), jsonNum(d["observer_value"]),
			jsonNum(d["official_value"]), jsonNum(d["difference"])}, " "))
	}
	if !slices.Equal(rows, want) {
		t.Fatalf("got %v\nwant %v", rows, want)
	}
	// Region B's coordinator: only their region, and a refusal for another.
	_, body = h.api(http.MethodGet, api, f.bTok, "", nil)
	if strings.Contains(body, "071-023") || !strings.Contains(body, "011-001") {
		t.Errorf("region B sees %s", body)
	}
	if resp, _ := h.api(http.MethodGet, api+"?region=ALM", f.bTok, "", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("region B asking for ALM: %d", resp.StatusCode)
	}
	if resp, _ := h.api(http.MethodGet, api+"?version=nope", f.natTok, "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown version: %d", resp.StatusCode)
	}
	// The CSV export has the same names as the JSON.
	resp, csv := f.natc.get("/results/discrepancies.csv?election=" + f.el.Code)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(csv, "station,figure,observer_value,official_value,difference,observation_id\n071-023,votes:c1,400,500,100,") {
		t.Errorf("csv %d %q", resp.StatusCode, csv)
	}
	// The page, and the one-click incident for an observation in scope only.
	resp, page := f.natc.get("/results/discrepancies?election=" + f.el.Code)
	if resp.StatusCode != http.StatusOK || testidText(t, page, "discrepancy-count") == "" || !strings.Contains(page, `data-testid="file-incident"`) {
		t.Fatalf("page %d", resp.StatusCode)
	}
	f.coordB.get("/results/discrepancies?election=" + f.el.Code)
	if resp, _ := f.coordB.post("/results/discrepancies/incident", url.Values{"observation_id": {itoa(f.obsA)}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("region B filing for an ALM observation: %d", resp.StatusCode)
	}
	resp, _ = f.natc.post("/results/discrepancies/incident", url.Values{"observation_id": {itoa(f.obsA)}, "version": {"final"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/incidents/") {
		t.Fatalf("incident: %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	resp2, _ := f.natc.post("/results/discrepancies/incident", url.Values{"observation_id": {itoa(f.obsA)}, "version": {"final"}})
	if resp2.Header.Get("Location") != loc {
		t.Errorf("the same click again filed another incident: %s, %s", loc, resp2.Header.Get("Location"))
	}
	_, page = f.natc.get(loc)
	if !strings.Contains(page, "copy 400, published 500 (+100)") {
		t.Errorf("incident page lacks the figures")
	}
	incID, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/incidents/"), 10, 64)
	inc, err := h.store.Incident(context.Background(), incID)
	if err != nil || inc.Category != "tabulation_discrepancy" || inc.Status != report.StatusNew || inc.Phase != report.PhaseTabulation {
		t.Errorf("incident %+v %v", inc, err)
	}
	// A station's page: the official figures beside the observer's; a station of
	// another region is out of scope (403, the one scope rule), a code naming none 404.
	resp, page = f.natc.get("/results/station?election=" + f.el.Code + "&code=071-023")
	if resp.StatusCode != http.StatusOK || !strings.Contains(section(t, page, "station-results", ""), ">500<") || !strings.Contains(page, "400 ≠") {
		t.Errorf("station page %d", resp.StatusCode)
	}
	_, page = f.natc.get("/observations/" + itoa(f.obsA))
	if !strings.Contains(page, `href="/results/station?code=071-023&amp;election=kz-res"`) {
		t.Errorf("the observation page does not link to its station's results")
	}
	if resp, _ := f.coordB.get("/results/station?election=" + f.el.Code + "&code=071-023"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("region B on an ALM station: %d, want 403", resp.StatusCode)
	}
	if resp, _ := f.coordB.get("/results/station?election=" + f.el.Code + "&code=999-999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("region B on a station that does not exist: %d, want 404", resp.StatusCode)
	}
}

func TestForensicsAPIShapeAndPage(t *testing.T) {
	f := newResultsFixture(t)
	f.importResults(t, "final", officialCSV)
	resp, body := f.h.api(http.MethodGet, "/api/v1/elections/"+f.el.Code+"/forensics?seed=7", f.natTok, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var doc map[string]json.RawMessage
	json.Unmarshal([]byte(body), &doc)
	var keys []string
	for k := range doc {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"election", "integer", "last_digit", "leader", "leader_pct", "regions", "seed", "stations_included", "stations_total", "turnout_pct", "version"}
	if !slices.Equal(keys, want) {
		t.Fatalf("keys %v", keys)
	}
	var d results.Document
	json.Unmarshal([]byte(body), &d)
	// 1900 issued of 3600 listed = 52.8 %; c1 1100 of 1900 received = 57.9 %
	if d.Seed != 7 || d.Leader != "c1" || d.StationsTotal != 3 || *d.TurnoutPct != 52.8 || *d.LeaderPct != 57.9 || len(d.Regions) != 2 {
		t.Fatalf("%+v", d)
	}
	_, body = f.h.api(http.MethodGet, "/api/v1/elections/"+f.el.Code+"/forensics", f.bTok, "", nil)
	json.Unmarshal([]byte(body), &d)
	if d.StationsTotal != 1 || len(d.Regions) != 1 || d.Regions[0].Region != "AST" {
		t.Errorf("region B's document %+v", d)
	}
	if resp, _ := f.h.api(http.MethodGet, "/api/v1/elections/"+f.el.Code+"/forensics?leader=zz", f.natTok, "", nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown leader: %d", resp.StatusCode)
	}
	resp, page := f.natc.get("/results?election=" + f.el.Code)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("page %d", resp.StatusCode)
	}
	for _, id := range []string{"turnout-hist", "share-hist", "fingerprint", "integer-table", "digits-table", "regions-table", "limits"} {
		if !strings.Contains(page, `data-testid="`+id+`"`) {
			t.Errorf("results page lacks %s", id)
		}
	}
	f.coordB.get("/lang?to=kk&back=/")
	_, page = f.coordB.get("/results?election=" + f.el.Code)
	if !strings.Contains(page, "Бүтін пайыздар") || strings.Contains(page, "Almaty") {
		t.Errorf("region B's Kazakh page")
	}
}

func jsonNum(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func regexpFind(t *testing.T, s, re string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s", re)
	}
	return m[1]
}

// importAccessResults gives the access suite's election official results, so the
// results routes answer their callers with something.
func importAccessResults(t *testing.T, h *harness, el report.Election) {
	t.Helper()
	tab, errs := results.ParseCSV(strings.NewReader("station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1,votes:c2\n"+
		stationA+",1500,800,790,10,500,290\n"+stationB+",1200,650,640,10,300,340\n"), false)
	if errs != nil {
		t.Fatal(errs)
	}
	if _, err := h.store.ImportResults(context.Background(), el, results.Version{Label: "final"}, tab, false, report.User{}); err != nil {
		t.Fatal(err)
	}
}
