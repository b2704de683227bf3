package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// With statistics allowed to lag behind observers' forms (here by up to an
// hour, so that only Settle can bring them up to date), a coordinator's own
// decision is in the very next figures.
func TestCoordinatorsDecisionShowsAtOnce(t *testing.T) {
	f := newRecFixtureOn(t, newHarnessWith(t, Config{BaseURL: "http://test", StatsMaxAge: time.Hour}))
	h := f.h
	ctx := context.Background()
	verified := func() int {
		t.Helper()
		resp, body := h.api(http.MethodGet, "/api/v1/elections/"+f.el.Code+"/stats?status=verified", h.token(f.coord), "", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stats: %d %s", resp.StatusCode, body)
		}
		var doc report.StatsDocument
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Phases.Voting.Categories["ballot_stuffing"].Incidents
	}
	if n := verified(); n != 0 {
		t.Fatalf("before: %d verified", n)
	}
	st, err := h.store.StationByCode(ctx, f.el.ID, "071-023")
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := h.store.SaveIncident(ctx, report.Incident{ElectionID: f.el.ID, ClientID: "settle-1", StationID: st.ID,
		Category: "ballot_stuffing", Phase: report.PhaseVoting, OccurredAt: time.Date(2022, 11, 20, 6, 0, 0, 0, time.UTC),
		Witnessed: true}, f.anna)
	if err != nil {
		t.Fatal(err)
	}
	coord := h.client()
	coord.login("coord")
	resp, _ := coord.post("/incidents/"+strconv.FormatInt(id, 10)+"/status", url.Values{"status": {"verified"}, "note": {"seen"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify: %d", resp.StatusCode)
	}
	if n := verified(); n != 1 {
		t.Fatalf("the coordinator's decision is not in the next figures: %d verified", n)
	}
}
