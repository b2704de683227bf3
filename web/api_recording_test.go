package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/labstack/echo/v4"
	"github.com/observerkz/observer/internal/report"
)

const apiObservation = `{"client_id": "api-1", "station": "071-023", "phase": "counting",
 "arrived_at": "2022-11-20T19:40:00+06:00", "left_at": "2022-11-20T23:05:00+06:00", "assessment": "bad",
 "answers": {"count_mobile_exceeds_requests": "yes", "count_mobile_excess_invalidated": "no"},
 "protocol": {"registered_voters": 1520, "voters_voted": 1011, "homebound_requests": 12, "ballots_stationary": 990, "ballots_mobile": 31},
 "incidents": [{"client_id": "api-1-a", "category": "ballot_stuffing", "occurred_at": "2022-11-20T20:10:00+06:00", "witnessed": true}]}`

func apiJSON(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
}

func TestAPIRecording(t *testing.T) {
	f := newRecFixture(t)
	h := f.h
	anna, boris, coord := h.token(f.anna), h.token(f.boris), h.token(f.coord)
	post := func(path, token, body string) (*http.Response, string) {
		return h.api(http.MethodPost, path, token, "application/json", strings.NewReader(body))
	}
	const obsPath, incPath = "/api/v1/elections/kz-2022/observations", "/api/v1/elections/kz-2022/incidents"

	resp, body := post(obsPath, anna, apiObservation)
	var created struct{ ID int64 }
	apiJSON(t, body, &created)
	if resp.StatusCode != http.StatusCreated || created.ID == 0 {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	resp, body = post(obsPath, anna, apiObservation)
	var again struct{ ID int64 }
	apiJSON(t, body, &again)
	if resp.StatusCode != http.StatusOK || again.ID != created.ID {
		t.Fatalf("replay: %d %s", resp.StatusCode, body)
	}
	resp, body = post(obsPath, anna, strings.Replace(apiObservation, `"bad"`, `"good"`, 1))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `"code":"conflict"`) {
		t.Fatalf("conflict: %d %s", resp.StatusCode, body)
	}
	bad := `{"client_id": "api-2", "station": "071-023", "phase": "voting", "answers": {"vote_pressure": "perhaps", "count_falsification": "yes"}, "colour": "red"}`
	resp, body = post(obsPath, anna, bad)
	var e APIError
	apiJSON(t, body, &e)
	if resp.StatusCode != http.StatusBadRequest || e.Error.Fields["colour"] == "" {
		t.Fatalf("unknown field: %d %s", resp.StatusCode, body)
	}
	resp, body = post(obsPath, anna, strings.Replace(bad, `, "colour": "red"`, "", 1))
	e = APIError{}
	apiJSON(t, body, &e)
	if resp.StatusCode != http.StatusBadRequest || e.Error.Fields["answers.vote_pressure"] != "must be yes, no or na" ||
		!strings.Contains(e.Error.Fields["answers.count_falsification"], "voting checklist") {
		t.Fatalf("bad answers: %d %s", resp.StatusCode, body)
	}
	resp, _ = post("/api/v1/elections/nope/observations", anna, apiObservation)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown election: %d", resp.StatusCode)
	}
	resp, body = post(obsPath, anna, `{"client_id": "big", "notes": "`+strings.Repeat("x", report.MaxLineBytes)+`"}`)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"too_large"`) {
		t.Fatalf("too large: %d %s", resp.StatusCode, body[:min(200, len(body))])
	}
	// Without a token the CSRF check answers before the sign-in check.
	resp, _ = post(obsPath, "", apiObservation)
	if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
		t.Fatalf("no token: %d", resp.StatusCode)
	}

	inc := `{"client_id": "hotline-7", "station": "USA-1", "phase": "voting", "category": "carousel_voting",
		"occurred_at": "2022-11-20T11:00:00-05:00", "witnessed": false, "description": "Call from a voter"}`
	resp, body = post(incPath, boris, inc)
	var incID struct{ ID int64 }
	apiJSON(t, body, &incID)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("incident: %d %s", resp.StatusCode, body)
	}
	if resp, _ := post(incPath, boris, inc); resp.StatusCode != http.StatusOK {
		t.Fatalf("incident replay: %d", resp.StatusCode)
	}
	if resp, _ := post(incPath, boris, strings.Replace(inc, "false", "true", 1)); resp.StatusCode != http.StatusConflict {
		t.Fatalf("incident conflict: %d", resp.StatusCode)
	}
	resp, body = post(incPath, boris, `{"client_id": "x", "station": "USA-1", "phase": "voting", "category": "other", "occurred_at": "2099-01-01T00:00:00Z", "witnessed": true}`)
	e = APIError{}
	apiJSON(t, body, &e)
	if resp.StatusCode != http.StatusBadRequest || e.Error.Fields["occurred_at"] == "" || e.Error.Fields["description"] == "" {
		t.Fatalf("bad incident: %d %s", resp.StatusCode, body)
	}
	// Boris may not attach to Anna's observation.
	resp, body = post(incPath, boris, `{"client_id": "y", "observation_id": `+strconv.FormatInt(created.ID, 10)+`, "category": "ballot_stuffing", "occurred_at": "2022-11-20T20:00:00+06:00", "witnessed": true}`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "observation_id") {
		t.Fatalf("other's observation: %d %s", resp.StatusCode, body)
	}

	// Lists: each observer their own; the Almaty coordinator Almaty's.
	list := func(token, query string) (int, incidentListJSON) {
		t.Helper()
		resp, body := h.api(http.MethodGet, incPath+query, token, "", nil)
		var l incidentListJSON
		if resp.StatusCode == http.StatusOK {
			apiJSON(t, body, &l)
		}
		return resp.StatusCode, l
	}
	if code, l := list(anna, ""); code != http.StatusOK || len(l.Incidents) != 1 || l.Incidents[0].Category != "ballot_stuffing" ||
		l.Incidents[0].OccurredAt != "2022-11-20T20:10:00+06:00" || l.Incidents[0].Observer == nil || *l.Incidents[0].Observer != "OBS-anna" {
		t.Fatalf("anna's list: %d %+v", code, l)
	}
	if code, l := list(boris, ""); code != http.StatusOK || len(l.Incidents) != 1 || l.Incidents[0].Category != "carousel_voting" {
		t.Fatalf("boris's list: %d %+v", code, l)
	}
	if code, l := list(coord, ""); code != http.StatusOK || len(l.Incidents) != 1 || l.Incidents[0].Region != "Almaty" {
		t.Fatalf("coordinator's list: %d %+v", code, l)
	}
	admin := h.user(report.RoleAdmin, "root", "")
	root := h.token(admin)
	code, l := list(root, "?limit=1")
	if code != http.StatusOK || len(l.Incidents) != 1 || l.Next == nil || l.Incidents[0].Category != "carousel_voting" {
		t.Fatalf("first page: %d %+v", code, l)
	}
	resp, body = h.api(http.MethodGet, *l.Next, root, "", nil)
	var page2 incidentListJSON
	apiJSON(t, body, &page2)
	if resp.StatusCode != http.StatusOK || len(page2.Incidents) != 1 || page2.Next != nil || page2.Incidents[0].Category != "ballot_stuffing" {
		t.Fatalf("second page: %d %s", resp.StatusCode, body)
	}
	if code, l := list(root, "?witnessed=false&region=ABR&status=new"); code != http.StatusOK || len(l.Incidents) != 1 {
		t.Fatalf("filtered: %d %+v", code, l)
	}
	if code, _ := list(root, "?phase=lunch&limit=0"); code != http.StatusBadRequest {
		t.Fatalf("bad filters: %d", code)
	}

	// One incident, with its files, to those who may see it.
	_, la := list(anna, "")
	path := "/api/v1/incidents/" + strconv.FormatInt(la.Incidents[0].ID, 10)
	resp, body = h.api(http.MethodGet, path, anna, "", nil)
	var one incidentDetailJSON
	apiJSON(t, body, &one)
	if resp.StatusCode != http.StatusOK || one.ID != la.Incidents[0].ID || one.Files == nil || one.ObservationID == nil || *one.ObservationID != created.ID {
		t.Fatalf("one incident: %d %s", resp.StatusCode, body)
	}
	if resp, _ := h.api(http.MethodGet, path, boris, "", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("boris reads anna's incident: %d", resp.StatusCode)
	}
	if resp, _ := h.api(http.MethodGet, "/api/v1/incidents/"+strconv.FormatInt(incID.ID, 10), coord, "", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the Almaty coordinator reads an incident abroad: %d", resp.StatusCode)
	}
}

// readAllSized reads what io.ReadAll reads, whatever size was announced.
func TestReadAllSizedIsReadAll(t *testing.T) {
	for _, n := range []int{0, 1, 511, 512, 513, 4096, 70000} {
		body := strings.Repeat("x", n)
		for _, size := range []int{1, n / 2, n, n + 1, 2*n + 3} {
			got, err := readAllSized(iotest.OneByteReader(strings.NewReader(body)), max(size, 1))
			if err != nil || string(got) != body {
				t.Fatalf("body %d, size %d: %d bytes, %v", n, size, len(got), err)
			}
			got, err = readAllSized(iotest.DataErrReader(strings.NewReader(body)), max(size, 1))
			if err != nil || string(got) != body {
				t.Fatalf("body %d, size %d, data with EOF: %d bytes, %v", n, size, len(got), err)
			}
		}
	}
	if _, err := readAllSized(iotest.TimeoutReader(strings.NewReader("abc")), 8); err == nil {
		t.Fatal("a failing body read without error")
	}
}

// savedJSON answers exactly what c.JSON answered.
func TestSavedJSONIsEchoJSON(t *testing.T) {
	e := echo.New()
	for _, id := range []int64{0, 7, 123456789012} {
		for _, created := range []bool{true, false} {
			fast, slow := httptest.NewRecorder(), httptest.NewRecorder()
			if err := savedJSON(e.NewContext(httptest.NewRequest(http.MethodPost, "/", nil), fast), id, created); err != nil {
				t.Fatal(err)
			}
			status := map[bool]int{true: http.StatusCreated, false: http.StatusOK}[created]
			if err := e.NewContext(httptest.NewRequest(http.MethodPost, "/", nil), slow).JSON(status, map[string]int64{"id": id}); err != nil {
				t.Fatal(err)
			}
			if fast.Code != slow.Code || fast.Body.String() != slow.Body.String() ||
				fast.Header().Get("Content-Type") != slow.Header().Get("Content-Type") {
				t.Fatalf("id %d: %d %q %q, c.JSON %d %q %q", id, fast.Code, fast.Body, fast.Header().Get("Content-Type"),
					slow.Code, slow.Body, slow.Header().Get("Content-Type"))
			}
		}
	}
}
