package web

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// exifPhoto is a JPEG with an EXIF block holding a GPS position whose processing-
// method text is gps, as a phone camera writes it.
func exifPhoto(t *testing.T, w, h int, gps string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 5), uint8(y * 3), 140, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	// TIFF header, IFD0 with one entry pointing at the GPS IFD, the GPS IFD with one
	// entry (GPSProcessingMethod, UNDEFINED) whose text follows.
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x88\x25\x00\x04\x00\x00\x00\x01\x00\x00\x00\x1a\x00\x00\x00\x00")
	tiff = append(tiff, 0, 1, 0, 0x1b, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	binary.BigEndian.PutUint32(tiff[32:], uint32(len(gps)))
	binary.BigEndian.PutUint32(tiff[36:], uint32(len(tiff)))
	tiff = append(tiff, gps...)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	out = append(out, seg...)
	return append(out, buf.Bytes()[2:]...)
}

// fileUpload sends one file in the multipart field "file" with a Bearer token.
func (h *harness) fileUpload(path, token, name string, content []byte) (*http.Response, string) {
	h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", name)
	w.Write(content)
	mw.Close()
	return h.api(http.MethodPost, path, token, mw.FormDataContentType(), &buf)
}

// evidenceFiles counts the regular files in the evidence store (kept or half-received).
func evidenceFiles(t *testing.T, h *harness) int {
	t.Helper()
	n := 0
	filepath.WalkDir(filepath.Join(h.store.DataDir(), "evidence"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}

// fileIncident files an incident at a station for user u (through the store, as the
// incident form does) and returns it.
func fileIncident(t *testing.T, f *recFixture, u report.User, station, clientID string) report.Incident {
	t.Helper()
	ctx := context.Background()
	st, err := f.h.store.StationByCode(ctx, f.el.ID, station)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := f.h.store.SaveIncident(ctx, report.Incident{ElectionID: f.el.ID, ClientID: clientID, StationID: st.ID,
		Phase: report.PhaseVoting, Category: "carousel_voting", OccurredAt: time.Date(2022, 11, 20, 6, 30, 0, 0, time.UTC),
		Witnessed: true, Description: "Buses with the same voters", UserID: u.ID}, u)
	if err != nil {
		t.Fatal(err)
	}
	in, err := f.h.store.Incident(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestEvidenceAPI(t *testing.T) {
	f := newRecFixture(t)
	h := f.h
	in := fileIncident(t, f, f.anna, "071-023", "api-ev-1")
	path := "/api/v1/incidents/" + strconv.FormatInt(in.ID, 10) + "/evidence"
	anna, boris := h.token(f.anna), h.token(f.boris)
	photo := exifPhoto(t, 40, 30, "GPS 43.2383N")

	resp, body := h.fileUpload(path, anna, "IMG_0042.jpg", photo)
	var got struct{ SHA256, MIME string }
	json.Unmarshal([]byte(body), &got)
	if resp.StatusCode != http.StatusCreated || len(got.SHA256) != 64 || got.MIME != "image/jpeg" {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	resp, body = h.fileUpload(path, anna, "IMG_0042 (1).jpg", photo)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, got.SHA256) {
		t.Fatalf("same file again: %d %s", resp.StatusCode, body)
	}

	// A program named like a photo: refused with a plain reason, nothing kept.
	files := evidenceFiles(t, h)
	elf := append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"), bytes.Repeat([]byte{0x90}, 5000)...)
	resp, body = h.fileUpload(path, anna, "photo.jpg", elf)
	if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(body, "photo.jpg") ||
		!strings.Contains(body, "only photos, videos, audio recordings and PDF documents") {
		t.Fatalf("disguised program: %d %s", resp.StatusCode, body)
	}
	mz := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 300)...)
	if resp, body = h.fileUpload(path, anna, "scan.pdf", mz); resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("windows program: %d %s", resp.StatusCode, body)
	}
	if n := evidenceFiles(t, h); n != files {
		t.Fatalf("refused files left %d files on disk (had %d)", n, files)
	}
	if evs, _ := h.store.EvidenceOf(context.Background(), in.ID); len(evs) != 1 {
		t.Fatalf("%d evidence records, want 1", len(evs))
	}

	// Over the per-file limit: 413, naming the file and the limit. A second server on
	// the same store has a small limit.
	small, err := New(Config{BaseURL: "http://test", MaxFileBytes: 64 << 10}, h.store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(small.Handler())
	defer ts.Close()
	big := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 100<<10)...)
	resp, body = (&harness{t: t, store: h.store, srv: small, ts: ts, clock: h.clock, secrets: h.secrets}).fileUpload(path, anna, "protocol-scan.pdf", big)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "protocol-scan.pdf") || !strings.Contains(body, "64 KB") {
		t.Fatalf("too large: %d %s", resp.StatusCode, body)
	}
	if n := evidenceFiles(t, h); n != files {
		t.Fatalf("an oversized file was kept")
	}

	// Someone else's incident, or no incident: 404, and nothing is said about it.
	if resp, body = h.fileUpload(path, boris, "a.jpg", photo); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("another observer's incident: %d %s", resp.StatusCode, body)
	}
	if resp, _ = h.fileUpload("/api/v1/incidents/999999/evidence", anna, "a.jpg", photo); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("no such incident: %d", resp.StatusCode)
	}
	// Without a token or session: refused (by the CSRF check, before the sign-in check).
	if resp, _ = h.fileUpload(path, "", "a.jpg", photo); resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	resp, body = h.api(http.MethodPost, path, anna, "application/json", strings.NewReader("{}"))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("not multipart: %d %s", resp.StatusCode, body)
	}
}

// Files are served only to those who may see their incident, and only under it.
func TestEvidenceFilesAccess(t *testing.T) {
	f := newRecFixture(t)
	h := f.h
	ctx := context.Background()
	mine := fileIncident(t, f, f.anna, "071-023", "acc-1")
	other := fileIncident(t, f, f.anna, "071-023", "acc-2")
	photo := exifPhoto(t, 20, 20, "GPS-X")
	ev, _, err := h.store.AddEvidence(ctx, mine.ID, bytes.NewReader(photo), "p.jpg", f.anna, h.srv.evidenceLimits())
	if err != nil {
		t.Fatal(err)
	}
	anna, boris := h.client(), h.client()
	anna.login("anna")
	boris.login("boris")
	view := evidenceURL(ev, mine.ID, "view")
	if resp, _ := anna.get(view); resp.StatusCode != http.StatusOK {
		t.Fatalf("filer: %d", resp.StatusCode)
	}
	for _, u := range []string{view, evidenceURL(ev, mine.ID, "original"), incidentURL(mine.ID)} {
		if resp, _ := boris.get(u); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s for another observer: %d, want 404", u, resp.StatusCode)
		}
	}
	// A file of one incident asked for under another of the same filer.
	for _, u := range []string{evidenceURL(ev, other.ID, "view"), evidenceURL(ev, other.ID, "original"),
		"/evidence/" + strings.Repeat("ab", 32) + "/view?incident=" + strconv.FormatInt(mine.ID, 10),
		"/evidence/" + ev.SHA256 + "/view", "/evidence/" + ev.SHA256 + "/view?incident=x"} {
		if resp, _ := anna.get(u); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", u, resp.StatusCode)
		}
	}
}

// Video is served as it is, with byte ranges so the player can seek.
func TestEvidenceVideoRanges(t *testing.T) {
	f := newRecFixture(t)
	h := f.h
	in := fileIncident(t, f, f.anna, "071-023", "vid-1")
	video := append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), bytes.Repeat([]byte{7}, 10000)...)
	ev, _, err := h.store.AddEvidence(context.Background(), in.ID, bytes.NewReader(video), "VID.mp4", f.anna, h.srv.evidenceLimits())
	if err != nil || ev.MIME != "video/mp4" {
		t.Fatalf("%+v %v", ev, err)
	}
	c := h.client()
	c.login("anna")
	req, _ := http.NewRequest(http.MethodGet, h.ts.URL+evidenceURL(ev, in.ID, "view"), nil)
	req.Header.Set("Range", "bytes=100-199")
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || len(b) != 100 || !bytes.Equal(b, video[100:200]) ||
		resp.Header.Get("Content-Type") != "video/mp4" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline") {
		t.Fatalf("range: %d, %d bytes, %q, %q", resp.StatusCode, len(b), resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	_, body := c.get(incidentURL(in.ID))
	if !strings.Contains(body, "<video") || !strings.Contains(body, ev.SHA256) {
		t.Fatalf("the page does not show the video player:\n%s", body)
	}
}
