package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// Attack review: records named by something else than their id. An edit the
// offline queue sends again names its record by client_id (record_client_id); a
// new form carries a client_id that may be someone else's. Neither reaches, shows
// or changes another account's record.
func TestAttackClientIDsOfOthers(t *testing.T) {
	fx := newAccessFixture(t)
	c := fx.clients[actObsB]
	incA, obsA := strconv.FormatInt(fx.incA.ID, 10), strconv.FormatInt(fx.obsA, 10)
	send := func(target string, form url.Values, resend bool) (*http.Response, string) {
		t.Helper()
		form.Set("csrf", c.csrf)
		req, _ := http.NewRequest(http.MethodPost, fx.h.ts.URL+target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if resend {
			req.Header.Set(resendHeader, "1")
		}
		return c.do(req)
	}
	// A re-sent edit of a record this server does not hold, naming A's records by
	// their client ids.
	for _, e := range []struct {
		target string
		form   url.Values
	}{
		{"/observations/999999/edit", voteForm("", stationB, "taken over")},
		{"/incidents/999999/edit", incidentForm("", stationB, "taken over")},
	} {
		rc := "obs-a"
		if strings.HasPrefix(e.target, "/incidents/") {
			rc = "inc-a"
		}
		e.form.Set("record_client_id", rc)
		before := fx.snapshot()
		resp, body := send(e.target, e.form, true)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("observer B's re-sent edit naming A's %s: %s, want 404", rc, describe(resp, body))
		}
		if diff := changed(before, fx.snapshot()); len(diff) > 0 {
			t.Errorf("observer B's re-sent edit naming A's %s changed %v", rc, diff)
		}
	}
	// A new form with A's client id: a conflict that names nothing of A's.
	for _, e := range []struct {
		target string
		form   url.Values
	}{
		{"/observations", voteForm("obs-a", stationB, "mine")},
		{"/incidents", incidentForm("inc-a", stationB, "mine")},
	} {
		for _, resend := range []bool{false, true} {
			before := fx.snapshot()
			resp, body := send(e.target, e.form, resend)
			if resp.StatusCode != http.StatusConflict {
				t.Errorf("observer B posts %s with A's client id (resent %v): %s, want 409", e.target, resend, describe(resp, body))
			}
			for _, s := range []string{"/incidents/" + incA, "/observations/" + obsA, markerA} {
				if strings.Contains(body, s) || strings.Contains(resp.Header.Get("Location"), s) {
					t.Errorf("observer B posts %s with A's client id: the answer names %q", e.target, s)
				}
			}
			if diff := changed(before, fx.snapshot()); len(diff) > 0 {
				t.Errorf("observer B posts %s with A's client id changed %v", e.target, diff)
			}
		}
	}
	for _, e := range []struct{ path, body string }{
		{"/api/v1/elections/" + fx.el.Code + "/observations", obsJSON("obs-a", stationB, "mine")},
		{"/api/v1/elections/" + fx.el.Code + "/incidents", incJSON("inc-a", stationB, "mine")},
	} {
		resp, body := fx.send(c, fx.tokens[actObsB], http.MethodPost, e.path, request{json: e.body})
		if resp.StatusCode != http.StatusConflict || strings.Contains(body, `"id"`) || strings.Contains(body, incA+",") {
			t.Errorf("observer B's API post with A's client id: %s %s", describe(resp, body), body)
		}
	}
}
