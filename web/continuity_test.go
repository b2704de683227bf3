package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/replica"
	"github.com/observerkz/observer/internal/report"
)

// Every answer, page or API, carries the epoch; it changes with a new epoch.
func TestEveryAnswerCarriesTheEpoch(t *testing.T) {
	h := newHarness(t)
	c := h.client()
	epoch := h.store.Epoch()
	if len(epoch) != 16 {
		t.Fatalf("epoch %q", epoch)
	}
	for _, path := range []string{"/login", "/healthz", "/api/v1/incidents/1", "/no-such-page"} {
		resp, _ := c.get(path)
		if got := resp.Header.Get("Observer-Epoch"); got != epoch {
			t.Errorf("%s (%d): Observer-Epoch %q, want %q", path, resp.StatusCode, got, epoch)
		}
	}
	next, err := h.store.NewEpoch(context.Background(), "test")
	if err != nil || next == epoch {
		t.Fatalf("new epoch %q, %v", next, err)
	}
	resp, _ := c.get("/login")
	if got := resp.Header.Get("Observer-Epoch"); got != next {
		t.Errorf("after a new epoch: %q, want %q", got, next)
	}
}

// The admin page and /healthz show the replication: lag, position, evidence not
// yet copied; without replication the page says so.
func TestAdminPageShowsReplication(t *testing.T) {
	h := newHarness(t)
	c, _ := adminClient(h, "chief")
	resp, body := c.get("/admin")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="continuity"`) ||
		!strings.Contains(body, h.store.Epoch()) || !strings.Contains(body, "Not replicating") {
		t.Fatalf("admin page without replication: %d", resp.StatusCode)
	}
	ctx := context.Background()
	url := "file://" + filepath.Join(t.TempDir(), "replica")
	target, err := replica.Parse(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := replica.Start(ctx, target, h.store.Path(), h.store.DataDir(), h.store.Epoch(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rep.Close(context.Background()) })
	if err := rep.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	h.srv.cfg.Replication = rep
	_, body = c.get("/healthz")
	if !strings.HasPrefix(body, "ok\nreplica_lag_seconds 0\nevidence_not_replicated 0\n") {
		t.Errorf("healthz with replication: %q", body)
	}
	_, body = c.get("/admin")
	for _, want := range []string{url, `data-testid="replica-lag"`, `data-testid="evidence-pending"`, "Last replicated position"} {
		if !strings.Contains(body, want) {
			t.Errorf("admin page with replication lacks %q", want)
		}
	}
}

// An incident the phone sends again after a takeover (Observer-Resend) is answered
// with a redirect to the record itself, so the phone learns its id here; also when
// the server holds that client_id with content edited since (not a conflict: the
// record is there). Without the header the answers are as before.
func TestResendAnswerNamesTheRecord(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	c := f.h.client()
	c.login("anna")
	_, body := c.get("/incidents/new")
	form := url.Values{"client_id": {formClientID(t, body)}, "station": {"071-023"}, "category": {"ballot_stuffing"},
		"phase": {"voting"}, "occurred_at": {"2022-11-20T11:30"}, "witnessed": {"true"}, "description": {"Three ballots at once"}}
	resend := func(path string, form url.Values) *http.Response { return resendForm(f.h, c, path, form) }
	resp, _ := c.post("/incidents", cloneValues(form))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/my" {
		t.Fatalf("first send: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	incs, err := f.h.store.Incidents(ctx, report.IncidentFilter{ElectionID: f.el.ID, UserID: f.anna.ID})
	if err != nil || len(incs) != 1 {
		t.Fatalf("incidents %+v, %v", incs, err)
	}
	want := fmt.Sprintf("/incidents/%d", incs[0].ID)
	if resp := resend("/incidents", form); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("resend: %d %s, want a redirect to %s", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	edited := cloneValues(form)
	edited.Set("description", "Three ballots at once, seen twice")
	if resp, body := c.post(want+"/edit", edited); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := c.post("/incidents", cloneValues(form)); resp.StatusCode != http.StatusConflict {
		t.Fatalf("the first version again, not a resend: %d, want 409", resp.StatusCode)
	}
	if resp := resend("/incidents", form); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("resend of the first version after an edit: %d %s, want a redirect to %s", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	if incs, _ := f.h.store.Incidents(ctx, report.IncidentFilter{ElectionID: f.el.ID, UserID: f.anna.ID}); len(incs) != 1 ||
		incs[0].Description != "Three ballots at once, seen twice" {
		t.Fatalf("after the resends: %+v", incs)
	}
	// Another observer's resend of the same client_id learns nothing of the record.
	b := f.h.client()
	b.login("boris")
	b.get("/incidents/new")
	form.Set("csrf", b.csrf)
	req, _ := http.NewRequest(http.MethodPost, f.h.ts.URL+"/incidents", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(resendHeader, "1")
	if resp, body := b.do(req); resp.StatusCode == http.StatusSeeOther || strings.Contains(body, want) {
		t.Fatalf("another observer's resend: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// resendForm posts form as the phone's outbox does after a takeover (Observer-Resend).
func resendForm(h *harness, c *client, path string, form url.Values) *http.Response {
	form = cloneValues(form)
	form.Set("csrf", c.csrf)
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(resendHeader, "1")
	resp, _ := c.do(req)
	return resp
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// Records made and then edited in the seconds the takeover lost: the phone sends
// each again, records first, then the edits, to the ids the old server gave, which
// name nothing here (an incident's answer led to My work, so the phone never
// learned its id). An edit finds its record by the record's client_id, which the
// edit form carries; with no such record here it is taken as the record, anew.
// Another account's record stays a 404, resend or not.
func TestResentEditOfALostRecord(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	c := f.h.client()
	c.login("anna")
	resend := func(cl *client, path string, form url.Values) *http.Response { return resendForm(f.h, cl, path, form) }
	mine := func() []report.Incident {
		t.Helper()
		incs, err := f.h.store.Incidents(ctx, report.IncidentFilter{ElectionID: f.el.ID, UserID: f.anna.ID})
		if err != nil {
			t.Fatal(err)
		}
		return incs
	}
	_, body := c.get("/incidents/new")
	created := url.Values{"client_id": {formClientID(t, body)}, "station": {"071-023"}, "category": {"ballot_stuffing"},
		"phase": {"voting"}, "occurred_at": {"2022-11-20T11:30"}, "witnessed": {"true"}, "description": {"Three ballots at once"}}
	// The edit as the edit form posts it: a client_id of its own, the record's.
	edit := cloneValues(created)
	edit.Set("client_id", "edit-"+created.Get("client_id"))
	edit.Set("record_client_id", created.Get("client_id"))
	edit.Set("description", "Three ballots at once, seen twice")

	// Not a resend, or a resend from an edit form without the record's client_id
	// (a page from an older version): an unknown id is a 404 as always.
	if resp, _ := c.post("/incidents/987654/edit", cloneValues(edit)); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("an edit of an unknown incident, not a resend: %d, want 404", resp.StatusCode)
	}
	old := cloneValues(edit)
	old.Del("record_client_id")
	if resp := resend(c, "/incidents/987654/edit", old); resp.StatusCode != http.StatusNotFound || len(mine()) != 0 {
		t.Fatalf("a resent edit without record_client_id: %d, %d incidents; want 404 and none", resp.StatusCode, len(mine()))
	}
	// The record first (taken anew), then its edit, to the old id.
	if resp := resend(c, "/incidents", created); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the record resent: %d", resp.StatusCode)
	}
	incs := mine()
	if len(incs) != 1 {
		t.Fatalf("after the record's resend: %+v", incs)
	}
	want := fmt.Sprintf("/incidents/%d", incs[0].ID)
	if resp := resend(c, "/incidents/987654/edit", edit); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("the edit resent: %d %s, want a redirect to %s", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	if incs := mine(); len(incs) != 1 || incs[0].Description != "Three ballots at once, seen twice" || incs[0].ClientID != created.Get("client_id") {
		t.Fatalf("after the edit's resend: %+v", incs)
	}

	// An edit whose record the phone no longer holds: taken as the record, anew.
	_, body = c.get("/incidents/new")
	lone := cloneValues(edit)
	lone.Set("record_client_id", formClientID(t, body))
	lone.Set("description", "Observers kept behind tape")
	lone.Set("category", "observer_restricted")
	if resp := resend(c, "/incidents/987655/edit", lone); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a lone edit resent: %d", resp.StatusCode)
	}
	if resp := resend(c, "/incidents/987655/edit", lone); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the lone edit resent twice: %d", resp.StatusCode)
	}
	var taken report.Incident
	for _, in := range mine() {
		if in.ClientID == lone.Get("record_client_id") {
			taken = in
		}
	}
	if len(mine()) != 2 || taken.Description != "Observers kept behind tape" {
		t.Fatalf("after the lone edit (twice): %+v", mine())
	}

	// A form, the same way: no such form here, taken anew from its edit.
	_, page := c.get("/observations/new?phase=opening")
	form := url.Values{"client_id": {"edit-form"}, "record_client_id": {formClientID(t, page)}, "phase": {"opening"},
		"station": {"071-023"}, "assessment": {"good"}, "notes": {"Opened on time, corrected"}, "action": {"submit"}}
	resp := resend(c, "/observations/876543/edit", form)
	list, err := f.h.store.MyObservations(ctx, f.anna.ID, f.el.ID)
	if err != nil || len(list) != 1 || list[0].Notes != "Opened on time, corrected" || list[0].ClientID != form.Get("record_client_id") {
		t.Fatalf("after the resent form edit: %+v, %v (answer %d)", list, err, resp.StatusCode)
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != fmt.Sprintf("/observations/%d", list[0].ID) {
		t.Fatalf("resent form edit: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	// Boris's resent "edits" of Anna's incident, by its id or by its client_id from
	// an unknown id: 404, nothing changed.
	b := f.h.client()
	b.login("boris")
	b.get("/incidents/new")
	hijack := cloneValues(edit)
	hijack.Set("description", "overwritten")
	for _, path := range []string{want + "/edit", "/incidents/987656/edit"} {
		if resp := resend(b, path, hijack); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("another observer's resent edit at %s: %d, want 404", path, resp.StatusCode)
		}
	}
	if in, _ := f.h.store.Incident(ctx, incs[0].ID); in.Description != "Three ballots at once, seen twice" {
		t.Fatalf("after another observer's resent edits: %q", in.Description)
	}
}

// laggingReplica is a replication whose status says it is this far behind.
type laggingReplica time.Duration

func (l laggingReplica) Status() replica.Status {
	return replica.Status{URL: "file:///replica", Lag: time.Duration(l)}
}

// When the replica falls more than a minute behind, every page an administrator
// opens says so, whether or not they chose an alert channel; coordinators and
// observers see nothing of it, nor does anyone while the replica keeps up.
func TestAdministratorsSeeAReplicaFallingBehind(t *testing.T) {
	h := newHarness(t)
	admin, _ := adminClient(h, "chief")
	coord := h.client()
	h.user(report.RoleCoordinator, "coord", "")
	coord.login("coord")
	h.srv.cfg.Replication = laggingReplica(95 * time.Second)
	for _, path := range []string{"/dashboard", "/incidents", "/admin"} {
		_, body := admin.get(path)
		if got := testidText(t, body, "replica-behind"); !strings.Contains(got, "95 s behind") {
			t.Errorf("%s for an administrator: %q, want the replica 95 s behind", path, got)
		}
	}
	if _, body := coord.get("/dashboard"); strings.Contains(body, "replica-behind") {
		t.Error("a coordinator is shown the replica's lag")
	}
	admin.get("/lang?to=kk&back=/dashboard")
	if _, body := admin.get("/dashboard"); !strings.Contains(testidText(t, body, "replica-behind"), "95 с артта қалды") {
		t.Errorf("in Kazakh: %q", testidText(t, body, "replica-behind"))
	}
	h.srv.cfg.Replication = laggingReplica(20 * time.Second)
	if _, body := admin.get("/dashboard"); strings.Contains(body, "replica-behind") {
		t.Error("a replica 20 s behind is shown as falling behind")
	}
}
