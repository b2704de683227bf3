package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/replica"
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
