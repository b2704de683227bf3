package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// getBytes fetches a URL as the client and returns the response and its body bytes.
func (c *client) getBytes(path string) (*http.Response, []byte) {
	c.h.t.Helper()
	resp, err := c.http.Get(c.h.ts.URL + path)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// The whole review: an observer files an incident with a phone photo through the
// form; the coordinator finds it in the list, opens it, sees the photo without its
// GPS position (the original keeps it), and verifies it.
func TestReviewIncidentWithPhoto(t *testing.T) {
	f := newRecFixture(t)
	h := f.h
	ctx := context.Background()
	photo := exifPhoto(t, 320, 240, "GPS-SECRET 43.2383N 76.9454E")

	anna := h.client()
	anna.login("anna")
	_, body := anna.get("/incidents/new?category=ballot_stuffing")
	form := url.Values{"client_id": {formClientID(t, body)}, "station": {"071-023"}, "category": {"ballot_stuffing"},
		"phase": {"voting"}, "occurred_at": {"2022-11-20T11:30"}, "witnessed": {"true"}, "description": {"Three ballots at once"}}
	resp, body := anna.postMultipart("/incidents", form, map[string][2]string{"evidence": {"IMG_2041.jpg", string(photo)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("filing: %d\n%s", resp.StatusCode, body)
	}
	incs, _ := h.store.Incidents(ctx, report.IncidentFilter{ElectionID: f.el.ID, UserID: f.anna.ID})
	if len(incs) != 1 || incs[0].EvidenceCount != 1 {
		t.Fatalf("filed: %+v", incs)
	}
	in := incs[0]
	evs, _ := h.store.EvidenceOf(ctx, in.ID)
	ev := evs[0]
	id := strconv.FormatInt(in.ID, 10)

	coord := h.client()
	coord.login("coord")
	resp, body = coord.get("/incidents")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `href="/incidents/`+id+`"`) || !strings.Contains(body, "1 incident matches") {
		t.Fatalf("list: %d\n%s", resp.StatusCode, body)
	}
	if _, body = coord.get("/incidents?status=new&region=ALM&phase=voting&witnessed=yes&category=ballot_stuffing&from=2022-11-20T11:00&to=2022-11-20T12:00"); !strings.Contains(body, "1 incident matches") {
		t.Fatalf("filtered list lost the incident:\n%s", body)
	}
	if _, body = coord.get("/incidents?from=2022-11-20T11:31"); !strings.Contains(body, "0 incidents match") {
		t.Fatalf("time filter (station time 11:30) let it through:\n%s", body)
	}
	if resp, body = coord.get("/incidents?station=nope&phase=dancing"); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, "No polling station of this election has this code") {
		t.Fatalf("bad filters: %d\n%s", resp.StatusCode, body)
	}

	resp, body = coord.get("/incidents/" + id)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("incident page: %d", resp.StatusCode)
	}
	for _, want := range []string{ev.SHA256, "IMG_2041.jpg", "image/jpeg", "20.11.2022 11:30 (Asia/Almaty)", "Three ballots at once",
		`src="` + templEscape(evidenceURL(ev, in.ID, "view")) + `"`, `data-testid="verify-form"`} {
		if !strings.Contains(body, want) {
			t.Errorf("incident page lacks %q", want)
		}
	}

	resp, preview := coord.getBytes(evidenceURL(ev, in.ID, "view"))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("preview: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if bytes.Contains(preview, []byte("GPS-SECRET")) || bytes.Contains(preview, []byte("Exif")) {
		t.Fatal("the preview shown in the page carries the photo's EXIF GPS block")
	}
	resp, orig := coord.getBytes(evidenceURL(ev, in.ID, "original"))
	if resp.StatusCode != http.StatusOK || !bytes.Equal(orig, photo) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("original: %d, same bytes %v, %q", resp.StatusCode, bytes.Equal(orig, photo), resp.Header.Get("Content-Disposition"))
	}

	// Rejecting needs a note; verifying with one works and is audit-logged.
	resp, body = coord.post("/incidents/"+id+"/status", url.Values{"status": {"rejected"}, "note": {""}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Write in the note why the incident is rejected") {
		t.Fatalf("reject without a note: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = coord.post("/incidents/"+id+"/status", url.Values{"status": {"verified"}, "note": {"Matches the video from the station"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify: %d", resp.StatusCode)
	}
	_, body = coord.get("/incidents/" + id)
	if !strings.Contains(body, "The incident is marked as verified") || !strings.Contains(body, "Matches the video from the station") {
		t.Fatalf("after verifying:\n%s", body)
	}
	in, _ = h.store.Incident(ctx, in.ID)
	if in.Status != report.StatusVerified || in.VerifiedBy != "coord" {
		t.Fatalf("stored: %+v", in)
	}
	if resp, _ = coord.post("/incidents/"+id+"/status", url.Values{"status": {"deleted"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown status: %d", resp.StatusCode)
	}

	// The filer reads the decision but cannot make one; another observer sees nothing.
	if resp, body = anna.get("/incidents/" + id); resp.StatusCode != http.StatusOK || strings.Contains(body, `data-testid="verify-form"`) {
		t.Fatalf("filer's view: %d", resp.StatusCode)
	}
	if resp, _ = anna.post("/incidents/"+id+"/status", url.Values{"status": {"rejected"}, "note": {"no"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("observer deciding: %d", resp.StatusCode)
	}
	if resp, _ = anna.get("/incidents"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("observer on the coordinator's list: %d", resp.StatusCode)
	}
	boris := h.client()
	boris.login("boris")
	if resp, _ = boris.get("/incidents/" + id); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("another observer: %d", resp.StatusCode)
	}
	if _, err := h.store.VerifyAuditChain(ctx); err != nil {
		t.Fatal(err)
	}
}

// templEscape is how templ writes a URL into an attribute.
func templEscape(s string) string { return strings.ReplaceAll(s, "&", "&amp;") }

// A file refused on the incident page is named with the reason; nothing is kept.
func TestIncidentPageRefusesProgram(t *testing.T) {
	f := newRecFixture(t)
	in := fileIncident(t, f, f.anna, "071-023", "page-up-1")
	anna := f.h.client()
	anna.login("anna")
	anna.get(incidentURL(in.ID))
	elf := "\x7fELF\x02\x01\x01\x00" + strings.Repeat("\x00", 600)
	resp, body := anna.postMultipart(incidentURL(in.ID)+"/evidence", url.Values{}, map[string][2]string{"evidence": {"photo.jpg", elf}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="upload-error"`) || !strings.Contains(body, "photo.jpg") {
		t.Fatalf("program as a photo: %d\n%s", resp.StatusCode, body)
	}
	if n := evidenceFiles(t, f.h); n != 0 {
		t.Fatalf("%d files kept", n)
	}
	resp, _ = anna.postMultipart(incidentURL(in.ID)+"/evidence", url.Values{}, map[string][2]string{"evidence": {"IMG.jpg", string(exifPhoto(t, 8, 8, "x"))}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a photo: %d", resp.StatusCode)
	}
	if evs, _ := f.h.store.EvidenceOf(context.Background(), in.ID); len(evs) != 1 {
		t.Fatalf("%d files", len(evs))
	}
}
