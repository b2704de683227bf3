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
	resend := func(path string, form url.Values) *http.Response {
		t.Helper()
		form = cloneValues(form)
		form.Set("csrf", c.csrf)
		req, _ := http.NewRequest(http.MethodPost, f.h.ts.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(resendHeader, "1")
		resp, _ := c.do(req)
		return resp
	}
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

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
