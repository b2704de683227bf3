package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// Whom a record is filed for, in the API: a region-limited coordinator may name as
// the observer only someone assigned to a station of their region, file only at
// their region's stations, and add incidents only to observations made there. Each
// refusal names its field with the message a code or id that does not exist gets,
// and changes nothing; the same calls in scope, or by the national coordinator, go
// through and file the record for whom they name.

// obsFor is an observation line (obsJSON) naming its observer.
func obsFor(clientID, station, observer string) string {
	return strings.TrimSuffix(obsJSON(clientID, station, "typed in from a paper form"), "}") + `, "observer": "` + observer + `"}`
}

func TestAccessRecordAttribution(t *testing.T) {
	fx := newAccessFixture(t)
	ctx := context.Background()
	obsPath, incPath := "/api/v1/elections/"+fx.el.Code+"/observations", "/api/v1/elections/"+fx.el.Code+"/incidents"
	obsA := strconv.FormatInt(fx.obsA, 10)
	const annaCode, borisCode = "OBS-anna", "OBS-boris"
	withIncident := strings.TrimSuffix(obsFor("b-nested", stationB, annaCode), "}") +
		`, "incidents": [{"client_id": "b-nested-1", "category": "carousel_voting", "occurred_at": "2022-11-20T11:00:00+06:00", "witnessed": true}]}`

	refused := []struct {
		actor, path, body, field string
	}{
		{actCoordB, obsPath, obsFor("b-for-anna", stationB, annaCode), "observer"},       // A's observer, at B's own station
		{actCoordB, obsPath, withIncident, "observer"},                                   // and the incidents in it with her
		{actCoordB, obsPath, obsFor("b-at-a", stationA, borisCode), "station"},           // B's observer, at A's station
		{actCoordA, obsPath, obsFor("a-for-boris", stationA, borisCode), "observer"},     // the other way round
		{actCoordB, obsPath, obsFor("b-for-nobody", stationB, "OBS-nobody"), "observer"}, // a code that does not exist
		{actCoordB, incPath, `{"client_id": "b-on-a", "observation_id": ` + obsA +
			`, "category": "carousel_voting", "occurred_at": "2022-11-20T11:00:00+06:00", "witnessed": true}`, "observation_id"}, // at A's station through A's observation
		// What storage says of what does not exist, to a caller of no region: the
		// refusals above must read the same.
		{actNational, obsPath, obsFor("nat-for-nobody", stationB, "OBS-nobody"), "observer"},
		{actNational, obsPath, obsJSON("nat-nowhere", "999-999", "nowhere"), "station"},
		{actNational, incPath, `{"client_id": "nat-on-none", "observation_id": 999999, "category": "carousel_voting", "occurred_at": "2022-11-20T11:00:00+06:00", "witnessed": true}`, "observation_id"},
	}
	messages := map[string]string{}
	for _, r := range refused {
		for _, bearer := range fx.variants("POST "+r.path, r.actor) {
			before := fx.snapshot()
			resp, body := fx.send(fx.clients[r.actor], bearer, http.MethodPost, r.path, request{json: r.body})
			var e APIError
			json.Unmarshal([]byte(body), &e)
			if resp.StatusCode != http.StatusBadRequest || e.Error.Code != "invalid" || e.Error.Fields[r.field] == "" {
				t.Errorf("%s %s (token %v): %s; want 400 naming %s", r.actor, r.body, bearer != "", describe(resp, body), r.field)
				continue
			}
			if len(e.Error.Fields) != 1 && r.actor != actNational {
				t.Errorf("%s %s: fields %v; want only %s", r.actor, r.body, e.Error.Fields, r.field)
			}
			if diff := changed(before, fx.snapshot()); len(diff) > 0 {
				t.Errorf("%s %s was refused but changed %v", r.actor, r.body, diff)
			}
			if m, seen := messages[r.field]; seen && m != e.Error.Fields[r.field] {
				t.Errorf("%s: %q here, %q elsewhere: out of scope must read as unknown", r.field, e.Error.Fields[r.field], m)
			}
			messages[r.field] = e.Error.Fields[r.field]
		}
	}

	// In scope: filed, for whom it names.
	allowed := []struct {
		actor, body, observer string
	}{
		{actCoordB, obsFor("b-for-boris", stationB, borisCode), borisCode},
		{actCoordA, obsFor("a-for-anna", stationA, annaCode), annaCode},
		{actNational, obsFor("nat-for-anna", stationB, annaCode), annaCode}, // not limited to a region
		{actCoordB, obsJSON("b-for-none", stationB, "no observer named"), ""},
	}
	for _, a := range allowed {
		resp, body := fx.send(fx.clients[a.actor], fx.tokens[a.actor], http.MethodPost, obsPath, request{json: a.body})
		var out struct{ ID int64 }
		json.Unmarshal([]byte(body), &out)
		if resp.StatusCode != http.StatusCreated || out.ID == 0 {
			t.Errorf("%s %s: %s", a.actor, a.body, describe(resp, body))
			continue
		}
		o, err := fx.h.store.Observation(ctx, out.ID)
		if err != nil || o.ObserverCode != a.observer || o.UserID != fx.users[a.actor].ID {
			t.Errorf("%s: filed for %q by user %d (%v); want %q by %d", a.actor, o.ObserverCode, o.UserID, err, a.observer, fx.users[a.actor].ID)
		}
		if a.actor == actCoordB && a.observer != "" {
			// An incident on that observation, at its station: in scope.
			inc := `{"client_id": "b-on-own", "observation_id": ` + strconv.FormatInt(out.ID, 10) +
				`, "category": "carousel_voting", "occurred_at": "2022-11-20T11:00:00+06:00", "witnessed": true}`
			if resp, body := fx.send(fx.clients[a.actor], "", http.MethodPost, incPath, request{json: inc}); resp.StatusCode != http.StatusCreated {
				t.Errorf("region B's incident on its own observation: %s", describe(resp, body))
			}
		}
	}
}
