package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// rowCounts counts what a submission would add: observations, incidents, audit
// entries.
func rowCounts(t *testing.T, st *storage.Store) [3]int {
	t.Helper()
	var n [3]int
	db := rawDB(t, st)
	defer db.Close()
	err := db.QueryRow(`SELECT (SELECT COUNT(*) FROM observations), (SELECT COUNT(*) FROM incidents),
		(SELECT COUNT(*) FROM audit_log)`).Scan(&n[0], &n[1], &n[2])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The Almaty coordinator types in paper forms through the API: one naming an
// observer assigned abroad, one at a station abroad, an incident on an
// observation made abroad. Each is refused naming its field, and nothing is
// written: not the record, not an audit entry, not the client_id (the same id then
// files the right form as new, where a stored refusal would make it a conflict).
func TestAPIRegionCoordinatorFilesOnlyForTheirRegion(t *testing.T) {
	f := newRecFixture(t)
	h := f.h
	ctx := context.Background()
	usa, err := h.store.StationByCode(ctx, f.el.ID, "USA-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.Write(ctx, func(tx *storage.Tx) error {
		_, err := storage.SetAssignments(tx, f.boris.ObserverID, f.el.ID, []int64{usa.ID}, report.User{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	coord, boris := h.token(f.coord), h.token(f.boris)
	post := func(path, token, body string) (*http.Response, string) {
		return h.api(http.MethodPost, path, token, "application/json", strings.NewReader(body))
	}
	const obsPath, incPath = "/api/v1/elections/kz-2022/observations", "/api/v1/elections/kz-2022/incidents"
	paper := func(station, observer string) string {
		return `{"client_id": "paper-1", "station": "` + station + `", "phase": "voting", "observer": "` + observer + `",
			"arrived_at": "2022-11-20T10:00:00+06:00", "assessment": "good", "notes": "from a paper form"}`
	}
	resp, body := post(obsPath, boris, `{"client_id": "b-1", "station": "USA-1", "phase": "voting", "arrived_at": "2022-11-20T10:00:00-05:00", "assessment": "good"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("boris's observation: %d %s", resp.StatusCode, body)
	}
	var abroad struct{ ID int64 }
	apiJSON(t, body, &abroad)

	before := rowCounts(t, h.store)
	for _, c := range []struct{ path, body, field string }{
		{obsPath, paper("071-023", "OBS-boris"), "observer"},
		{obsPath, paper("USA-1", "OBS-anna"), "station"},
		{incPath, `{"client_id": "paper-1", "observation_id": ` + strconv.FormatInt(abroad.ID, 10) +
			`, "category": "carousel_voting", "occurred_at": "2022-11-20T11:00:00-05:00", "witnessed": false}`, "observation_id"},
	} {
		resp, body := post(c.path, coord, c.body)
		var e APIError
		apiJSON(t, body, &e)
		if resp.StatusCode != http.StatusBadRequest || e.Error.Fields[c.field] == "" {
			t.Errorf("%s: %d %s; want 400 naming %s", c.body, resp.StatusCode, body, c.field)
		}
	}
	if after := rowCounts(t, h.store); after != before {
		t.Fatalf("refused submissions wrote: %v → %v (observations, incidents, audit entries)", before, after)
	}

	resp, body = post(obsPath, coord, paper("071-023", "OBS-anna"))
	var filed struct{ ID int64 }
	apiJSON(t, body, &filed)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("the form in scope: %d %s", resp.StatusCode, body)
	}
	o, err := h.store.Observation(ctx, filed.ID)
	if err != nil || o.ObserverCode != "OBS-anna" || o.UserID != f.coord.ID || o.Station.Code != "071-023" {
		t.Errorf("filed as %+v, %v", o, err)
	}
}
