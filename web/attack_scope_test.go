package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// Attack review: the parameters the access suite's probes (access_scope_test.go)
// do not try. A coordinator of region B (Astana) reaches nothing of region A
// (Almaty) through a district, a district code both regions use, a pagination
// cursor, the results and coverage pages' region, the inbox, or a station typed
// on an inbox form; an observer checks in only at their own stations.

const (
	markerDistrict = "DISTRICT-MED-9a1c" // an incident in region A's own district
	markerShared   = "SHARED-CEN-4be2"   // an incident in region A's district whose code region B has too
	markerInbox    = "INBOX-A-77d0"      // an unreadable message of observer A
)

// addDistricts gives the fixture's election districts: MED only in region A, CEN in
// both; an incident of observer A in each of A's.
func (fx *accessFixture) addDistricts(t *testing.T) []int64 {
	t.Helper()
	ctx := context.Background()
	recs := []report.StationRecord{
		{Code: "071-090", Name: "Station 90", Region: "Almaty", RegionCode: regionA, District: "Medeu", DistrictCode: "MED", Timezone: "Asia/Almaty"},
		{Code: "071-091", Name: "Station 91", Region: "Almaty", RegionCode: regionA, District: "Centre A", DistrictCode: "CEN", Timezone: "Asia/Almaty"},
		{Code: "011-091", Name: "Station B91", Region: "Astana", RegionCode: regionB, District: "Centre B", DistrictCode: "CEN", Timezone: "Asia/Almaty"},
	}
	if _, err := fx.h.store.ImportStations(ctx, fx.el, recs, report.User{}); err != nil {
		t.Fatal(err)
	}
	med := fx.incident(actObsA, "attack-med", "071-090", markerDistrict)
	cen := fx.incident(actObsA, "attack-cen", "071-091", markerShared)
	fx.incident(actObsB, "attack-cen-b", "011-091", "BRAVO centre")
	return []int64{fx.incA.ID, med.ID, cen.ID}
}

func TestAttackRegionCoordinatorParameters(t *testing.T) {
	fx := newAccessFixture(t)
	idsA := fx.addDistricts(t)
	ctx := context.Background()
	el := fx.el.Code
	api := "/api/v1/elections/" + el
	// Region A's records, as pages (links), JSON and texts show them.
	ofA := []string{markerA, markerDistrict, markerShared, "OBS-anna", stationA, "071-090", "071-091"}
	for _, id := range idsA {
		n := strconv.FormatInt(id, 10)
		ofA = append(ofA, `href="/incidents/`+n+`"`, `"id":`+n+`,`)
	}
	// Observer A's unreadable message, in the inbox of region A.
	msg, err := fx.h.store.ReceiveMessage(ctx,
		storage.Inbound{Channel: storage.ChannelSMS, ExternalID: "attack-inbox", Sender: "+77000009999", Text: markerInbox},
		storage.Reading{Status: storage.MsgUnparsed, ObserverID: fx.users[actObsA].ObserverID, ElectionID: fx.el.ID,
			RegionCode: regionA, Actor: report.User{Login: "sms"}})
	if err != nil {
		t.Fatal(err)
	}
	msgID := strconv.FormatInt(msg.MessageID, 10)

	type call struct {
		method, target string
		form           url.Values
		// ok: the answer may be 200 (then it must show nothing of region A);
		// otherwise it must be a refusal (4xx).
		ok bool
	}
	calls := []call{
		// A district of region A, alone or with region B named.
		{"GET", "/dashboard?district=MED", nil, false},
		{"GET", "/dashboard?region=" + regionB + "&district=MED", nil, false},
		{"GET", "/dashboard/export.csv?district=MED", nil, false},
		{"GET", "/dashboard/export.xlsx?district=MED", nil, false},
		{"GET", api + "/stats?district=MED", nil, false},
		{"GET", "/incidents?district=MED", nil, false},
		{"GET", api + "/incidents?district=MED", nil, false},
		{"GET", "/export?district=MED&preview=1", nil, false},
		{"POST", "/export/incidents", url.Values{"format": {"json"}, "district": {"MED"}}, false},
		{"POST", "/export/pack", url.Values{"district": {"MED"}}, false},
		// A district code both regions have: region B's own, never A's.
		{"GET", "/dashboard?district=CEN", nil, true},
		{"GET", "/dashboard/export.csv?district=CEN", nil, true},
		{"GET", api + "/stats?district=CEN", nil, true},
		{"GET", "/incidents?district=CEN", nil, true},
		{"GET", api + "/incidents?district=CEN", nil, true},
		{"GET", "/export?district=CEN&preview=1", nil, true},
		{"POST", "/export/incidents", url.Values{"format": {"json"}, "district": {"CEN"}}, true},
		// Pagination cursors past the newest record, and the roster's.
		{"GET", "/incidents?before=999999999", nil, true},
		{"GET", api + "/incidents?before=999999999&limit=500", nil, true},
		{"GET", "/observers?after=", nil, true},
		{"GET", "/observers?after=OBS-a", nil, true},
		{"GET", "/observers?q=OBS-", nil, true},
		// The results, discrepancies, forensics and coverage of region A.
		{"GET", "/results?region=" + regionA, nil, false},
		{"GET", "/results/discrepancies?region=" + regionA, nil, false},
		{"GET", "/results/discrepancies.csv?region=" + regionA, nil, false},
		{"GET", api + "/discrepancies?region=" + regionA, nil, false},
		{"GET", api + "/forensics?region=" + regionA, nil, false},
		{"GET", "/coverage?region=" + regionA, nil, false},
		{"GET", "/results/station?code=071-090", nil, false},
		// What region B's own pages list.
		{"GET", "/results/discrepancies.csv", nil, true},
		{"GET", api + "/discrepancies", nil, true},
		{"GET", "/coverage", nil, true},
		{"GET", "/inbox", nil, true},
		// Region A's inbox message, by id.
		{"POST", "/inbox/" + msgID + "/incident", url.Values{"station": {stationB}, "category": {"carousel_voting"}, "description": {"taken over"}}, false},
		{"POST", "/inbox/" + msgID + "/observation", url.Values{"station": {stationB}, "phase": {"voting"}}, false},
		{"POST", "/inbox/" + msgID + "/handled", nil, false},
		// Observer A's observation as the parent of an incident on the form.
		{"GET", "/incidents/new?observation=" + strconv.FormatInt(fx.obsA, 10), nil, false},
		{"POST", "/incidents", withObservation(incidentForm("attack-b-on-a", stationB, "on A's form"), strconv.FormatInt(fx.obsA, 10)), false},
	}
	for _, cl := range calls {
		for _, bearer := range fx.variants(cl.method+" "+cl.target, actCoordB) {
			before := fx.snapshot()
			resp, body := fx.send(fx.clients[actCoordB], bearer, cl.method, cl.target, request{form: cl.form})
			what := fmt.Sprintf("coordinator B %s %s (token %v)", cl.method, cl.target, bearer != "")
			switch {
			case resp.StatusCode >= 500:
				t.Errorf("%s: %s", what, describe(resp, body))
			case resp.StatusCode < 400 && !cl.ok && !strings.HasPrefix(resp.Header.Get("Location"), "/inbox"):
				t.Errorf("%s: %s, want a refusal", what, describe(resp, body))
			}
			if strings.HasSuffix(cl.target, ".xlsx") || strings.HasPrefix(resp.Header.Get("Content-Type"), "application/zip") {
				if resp.StatusCode == http.StatusOK {
					for name, data := range unzipAll(t, []byte(body)) {
						for _, s := range ofA {
							if strings.Contains(string(data), s) {
								t.Errorf("%s: %s holds %q", what, name, s)
							}
						}
					}
				}
			} else {
				for _, s := range append(ofA, markerInbox) {
					if strings.Contains(body, s) {
						t.Errorf("%s shows %q, of region A", what, s)
					}
				}
			}
			if cl.method != http.MethodGet && (resp.StatusCode >= 400 || !cl.ok) {
				if diff := changed(before, fx.snapshot()); len(diff) > 0 && !(strings.HasPrefix(cl.target, "/export/") && onlyAudit(diff)) {
					t.Errorf("%s was refused but changed %v", what, diff)
				}
			}
		}
	}
	// The controls: the calls above reach what they aim at for those whose scope it is.
	for _, c := range []struct{ actor, target, want string }{
		{actCoordB, "/incidents?district=CEN", "011-091"},
		{actNational, "/incidents?region=" + regionA + "&district=CEN", "071-091"},
		{actCoordA, "/incidents?district=MED", "071-090"},
		{actCoordA, "/inbox", markerInbox},
		{actNational, "/incidents?before=999999999", `href="/incidents/` + strconv.FormatInt(fx.incA.ID, 10) + `"`},
	} {
		if resp, body := fx.clients[c.actor].get(c.target); resp.StatusCode != http.StatusOK || !strings.Contains(body, c.want) {
			t.Errorf("control: %s GET %s: %d, without %q", c.actor, c.target, resp.StatusCode, c.want)
		}
	}
	if _, body := fx.send(fx.clients[actNational], fx.tokens[actNational], http.MethodGet, api+"/incidents?district=CEN&region="+regionA, request{}); !strings.Contains(body, `"id":`+strconv.FormatInt(idsA[2], 10)+`,`) {
		t.Errorf("control: the national API list of A's CEN lacks its incident: %.300s", body)
	}
	if it, err := fx.h.store.InboxMessage(ctx, msg.MessageID); err != nil || it.HandledAt != nil {
		t.Errorf("region A's inbox message was handled by region B (%v)", err)
	}

	// Region A's coordinator handles the message, but at a station of region B: refused.
	coordA := fx.clients[actCoordA]
	for _, p := range []string{"/inbox/" + msgID + "/incident", "/inbox/" + msgID + "/observation"} {
		before := fx.snapshot()
		resp, _ := coordA.post(p, url.Values{"station": {stationB}, "category": {"carousel_voting"}, "phase": {"voting"}, "description": {"moved"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/inbox" {
			t.Errorf("coordinator A %s at region B's station: %d → %s, want back to the inbox", p, resp.StatusCode, resp.Header.Get("Location"))
		}
		if diff := changed(before, fx.snapshot()); len(diff) > 0 {
			t.Errorf("coordinator A %s at region B's station changed %v", p, diff)
		}
	}
	// In scope it is theirs to handle.
	if resp, _ := coordA.post("/inbox/"+msgID+"/handled", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("coordinator A closes their region's message: %d", resp.StatusCode)
	}

	// Observer B checks in only at their own stations: A's station is a 404, and
	// nothing is written.
	before := fx.snapshot()
	resp, _ := fx.clients[actObsB].post("/my/checkin", url.Values{"station": {fx.stationID(stationA)}, "action": {"in"}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("observer B checks in at A's station: %d, want 404", resp.StatusCode)
	}
	if diff := changed(before, fx.snapshot()); len(diff) > 0 {
		t.Errorf("observer B's check-in at A's station changed %v", diff)
	}
	// Observer B's lists, whatever place they name, hold only what B filed.
	for _, q := range []string{"station=" + stationA, "region=" + regionA, "district=MED&region=" + regionA, "before=999999999"} {
		resp, body := fx.send(fx.clients[actObsB], fx.tokens[actObsB], http.MethodGet, api+"/incidents?"+q, request{})
		if resp.StatusCode >= 500 {
			t.Errorf("observer B's list ?%s: %s", q, describe(resp, body))
		}
		for _, s := range ofA {
			if strings.Contains(body, s) {
				t.Errorf("observer B's list ?%s shows %q", q, s)
			}
		}
	}
}

// onlyAudit: a refused export may note the attempt in the audit log only.
func onlyAudit(diff []string) bool {
	for _, d := range diff {
		if d != "audit_log" {
			return false
		}
	}
	return true
}
