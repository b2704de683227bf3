package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// A coordinator limited to a region sees nothing of another region's incidents:
// not in the list, not by id, not their files, and cannot decide on them.
func TestRegionLimitedCoordinator(t *testing.T) {
	f := newRecFixture(t)
	h := f.h
	ctx := context.Background()
	almaty := fileIncident(t, f, f.anna, "071-023", "reg-1")
	abroad := fileIncident(t, f, f.boris, "USA-1", "reg-2")
	ev, _, err := h.store.AddEvidence(ctx, abroad.ID, bytes.NewReader(exifPhoto(t, 8, 8, "x")), "a.jpg", f.boris, h.srv.evidenceLimits())
	if err != nil {
		t.Fatal(err)
	}
	abroadID := strconv.FormatInt(abroad.ID, 10)

	coord := h.client()
	coord.login("coord") // limited to ALM
	_, body := coord.get("/incidents")
	if !strings.Contains(body, `href="/incidents/`+strconv.FormatInt(almaty.ID, 10)+`"`) || strings.Contains(body, `href="/incidents/`+abroadID+`"`) ||
		!strings.Contains(body, "1 incident matches") {
		t.Fatalf("limited list:\n%s", body)
	}
	if resp, _ := coord.get("/incidents?region=ABR"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("asking for the other region by code: %d, want 403", resp.StatusCode)
	}
	for _, u := range []string{"/incidents/" + abroadID, evidenceURL(ev, abroad.ID, "view"), evidenceURL(ev, abroad.ID, "original")} {
		if resp, _ := coord.get(u); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", u, resp.StatusCode)
		}
	}
	coord.get("/incidents")
	if resp, _ := coord.post("/incidents/"+abroadID+"/status", url.Values{"status": {"rejected"}, "note": {"not mine"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("deciding on another region's incident: %d, want 404", resp.StatusCode)
	}
	tok := h.token(f.coord)
	resp, _ := h.api(http.MethodPost, "/api/v1/incidents/"+abroadID+"/status", tok, "application/json", strings.NewReader(`{"status":"rejected","note":"x"}`))
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("API decision on another region's incident: %d, want 404", resp.StatusCode)
	}
	if in, _ := h.store.Incident(ctx, abroad.ID); in.Status != report.StatusNew {
		t.Fatalf("the other region's incident changed: %s", in.Status)
	}

	// Within the region the API works.
	almatyPath := "/api/v1/incidents/" + strconv.FormatInt(almaty.ID, 10) + "/status"
	resp, body = h.api(http.MethodPost, almatyPath, tok, "application/json", strings.NewReader(`{"status":"rejected"}`))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"note"`) {
		t.Fatalf("API reject without a note: %d %s", resp.StatusCode, body)
	}
	resp, body = h.api(http.MethodPost, almatyPath, tok, "application/json", strings.NewReader(`{"status":"rejected","note":"Photo is from 2019"}`))
	var got struct{ Status, Note string }
	json.Unmarshal([]byte(body), &got)
	if resp.StatusCode != http.StatusOK || got.Status != "rejected" || got.Note != "Photo is from 2019" {
		t.Fatalf("API reject: %d %s", resp.StatusCode, body)
	}
	if resp, _ = h.api(http.MethodPost, almatyPath, h.token(f.anna), "application/json", strings.NewReader(`{"status":"verified"}`)); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("observer token on the status API: %d", resp.StatusCode)
	}
}

var rowIDRe = regexp.MustCompile(`<tr data-id="(\d+)"`)
var olderRe = regexp.MustCompile(`href="(/incidents\?[^"]*)" rel="next"`)
var newerRe = regexp.MustCompile(`href="(/incidents[^"]*)" rel="prev"`)

func pageIDs(t *testing.T, body string) []int64 {
	t.Helper()
	var ids []int64
	for _, m := range rowIDRe.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

func link(re *regexp.Regexp, body string) string {
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

// Keyset paging: older pages follow without gaps or repeats, newer links go back,
// and the filters stay on every link.
func TestIncidentListPaging(t *testing.T) {
	f := newRecFixture(t)
	for i := 0; i < 2*listPageSize+7; i++ {
		fileIncident(t, f, f.anna, "071-023", fmt.Sprintf("page-%d", i))
	}
	fileIncident(t, f, f.boris, "USA-1", "page-abroad") // outside the filter below
	admin, _ := adminClient(f.h, "root")
	var seen []int64
	var pages []string
	next := "/incidents?region=ALM"
	for next != "" {
		resp, body := admin.get(next)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", next, resp.StatusCode)
		}
		if !strings.Contains(body, fmt.Sprintf("%d incidents match", 2*listPageSize+7)) {
			t.Fatalf("total on %s wrong", next)
		}
		ids := pageIDs(t, body)
		for i := 1; i < len(ids); i++ {
			if ids[i] >= ids[i-1] {
				t.Fatalf("page %s not newest first: %v", next, ids)
			}
		}
		if len(seen) > 0 && len(ids) > 0 && ids[0] >= seen[len(seen)-1] {
			t.Fatalf("page %s overlaps the one before", next)
		}
		seen = append(seen, ids...)
		pages = append(pages, next)
		next = link(olderRe, body)
		if next != "" && !strings.Contains(next, "region=ALM") {
			t.Fatalf("older link lost the filter: %s", next)
		}
	}
	if len(seen) != 2*listPageSize+7 || len(pages) != 3 {
		t.Fatalf("%d incidents on %d pages", len(seen), len(pages))
	}
	// Back from the last page: its newer link shows the second page.
	_, body := admin.get(pages[2])
	back := link(newerRe, body)
	_, body2 := admin.get(pages[1])
	if back == "" || fmt.Sprint(pageIDs(t, mustGet(admin, back))) != fmt.Sprint(pageIDs(t, body2)) {
		t.Fatalf("newer link %q does not lead to the second page", back)
	}
	_, body = admin.get(pages[1])
	if back = link(newerRe, body); back != "/incidents?region=ALM" {
		t.Fatalf("newer link of the second page: %q", back)
	}
	if _, body = admin.get(pages[0]); link(newerRe, body) != "" {
		t.Fatal("the first page has a newer link")
	}
}

func mustGet(c *client, path string) string {
	_, body := c.get(path)
	return body
}
