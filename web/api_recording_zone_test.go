package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// The API shows an incident at a station without a zone of its own in the
// election's zone, as the exports do, not in UTC.
func TestAPIIncidentAtStationWithoutZone(t *testing.T) {
	f := newRecFixture(t)
	h := f.h
	ctx := context.Background()
	recs := []report.StationRecord{{Code: "071-099", Region: "Almaty", RegionCode: "ALM"}}
	if _, err := h.store.ImportStations(ctx, f.el, recs, report.User{}); err != nil {
		t.Fatal(err)
	}
	coord := h.token(f.coord)
	resp, body := h.api(http.MethodPost, "/api/v1/elections/kz-2022/incidents", coord, "application/json", strings.NewReader(
		`{"client_id": "z-1", "station": "071-099", "phase": "voting", "category": "ballot_stuffing", "occurred_at": "2022-11-20T10:00:00Z", "witnessed": true, "description": "x"}`))
	var created struct{ ID int64 }
	apiJSON(t, body, &created)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	zone, err := h.store.ElectionLocation(ctx, f.el.ID)
	if err != nil || zone.String() != "Asia/Almaty" {
		t.Fatalf("the election's zone: %v %v", zone, err)
	}
	// 10:00 UTC is 16:00 in Almaty's zone of 2022 (UTC+6).
	const want = `"occurred_at":"2022-11-20T16:00:00+06:00"`
	if _, body := h.api(http.MethodGet, "/api/v1/incidents/"+strconv.FormatInt(created.ID, 10), coord, "", nil); !strings.Contains(body, want) {
		t.Errorf("one incident: %s", body)
	}
	if _, body := h.api(http.MethodGet, "/api/v1/elections/kz-2022/incidents?station=071-099", coord, "", nil); !strings.Contains(body, want) {
		t.Errorf("the list: %s", body)
	}
}

// A coordinator's status call is read as JSON whatever its Content-Type says, and
// every API error carries "fields", {} when no field is to blame.
func TestAPIStatusBodyAndErrorShape(t *testing.T) {
	f := newRecFixture(t)
	h := f.h
	coord := h.token(f.coord)
	resp, body := h.api(http.MethodPost, "/api/v1/elections/kz-2022/incidents", coord, "application/json", strings.NewReader(
		`{"client_id": "s-1", "station": "071-023", "phase": "voting", "category": "ballot_stuffing", "occurred_at": "2022-11-20T10:00:00Z", "witnessed": true}`))
	var created struct{ ID int64 }
	apiJSON(t, body, &created)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	path := "/api/v1/incidents/" + strconv.FormatInt(created.ID, 10) + "/status"
	if resp, body := h.api(http.MethodPost, path, coord, "text/plain", strings.NewReader(`{"status":"verified"}`)); resp.StatusCode != http.StatusOK {
		t.Fatalf("status as text/plain: %d %s", resp.StatusCode, body)
	}
	resp, body = h.api(http.MethodGet, "/api/v1/incidents/999999", coord, "", nil)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `"fields":{}`) {
		t.Fatalf("404: %d %s", resp.StatusCode, body)
	}
}
