package web

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

func tinyPNG(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// An incident is saved first and its files after: a refused file leaves the
// incident (and the accepted files) saved, and the page names the file and why.
func TestIncidentFormWithFiles(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	c := f.h.client()
	c.login("anna")
	_, body := c.get("/incidents/new?category=ballot_stuffing")
	form := url.Values{"client_id": {formClientID(t, body)}, "station": {"071-023"}, "category": {"ballot_stuffing"},
		"phase": {"voting"}, "occurred_at": {"2022-11-20T11:30"}, "witnessed": {"true"}, "description": {"Three ballots at once"}}
	resp, body := c.postMultipart("/incidents", form, map[string][2]string{"evidence": {"box.png", tinyPNG(t)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("with a photo: %d\n%s", resp.StatusCode, body)
	}
	incs, _ := f.h.store.Incidents(ctx, report.IncidentFilter{ElectionID: f.el.ID, UserID: f.anna.ID})
	if len(incs) != 1 || incs[0].EvidenceCount != 1 {
		t.Fatalf("incidents: %+v", incs)
	}

	_, body = c.get("/incidents/new")
	form.Set("client_id", formClientID(t, body))
	form.Set("category", "carousel_voting")
	resp, body = c.postMultipart("/incidents", form, map[string][2]string{"evidence": {"notes.txt", "just some text, not evidence"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="refused-file"`) || !strings.Contains(body, "notes.txt") ||
		!strings.Contains(body, "only photos, videos, audio recordings and PDF documents") {
		t.Fatalf("refused file: %d\n%s", resp.StatusCode, body)
	}
	incs, _ = f.h.store.Incidents(ctx, report.IncidentFilter{ElectionID: f.el.ID, UserID: f.anna.ID})
	if len(incs) != 2 || incs[0].Category != "carousel_voting" || incs[0].EvidenceCount != 0 {
		t.Fatalf("the incident with the refused file was not kept: %+v", incs)
	}
}
