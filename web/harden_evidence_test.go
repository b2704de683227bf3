package web

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// Issue 16, finding 1: a GIF/HTML application polyglot uploaded as photo.hta and a
// PDF uploaded as scan.bat leave the server (download, pack) named by their content
// and detected type; the polyglot is kept as plain bytes and never shown. Finding 10:
// originals are not kept by the browser.
func TestEvidenceNamesComeFromContent(t *testing.T) {
	f := newRecFixture(t)
	h := f.h
	ctx := context.Background()
	in := fileIncident(t, f, f.anna, "071-023", "hta-1")
	path := "/api/v1/incidents/" + strconv.FormatInt(in.ID, 10) + "/evidence"
	anna := h.token(f.anna)
	hta := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;<html><script language=\"VBScript\">CreateObject(\"WScript.Shell\").Run \"calc.exe\"</script></html>")
	// A batch file with %PDF in its first kilobyte is detected as a PDF (readers
	// accept the marker anywhere there); it leaves as .pdf, which opens a reader.
	bat := []byte("@echo off\r\nrem %PDF-1.4\r\ncalc.exe\r\n")
	for _, up := range []struct {
		name    string
		content []byte
	}{{"photo.hta", hta}, {"scan.bat", bat}} {
		if resp, body := h.fileUpload(path, anna, up.name, up.content); resp.StatusCode != http.StatusCreated {
			t.Fatalf("%s: %d %s", up.name, resp.StatusCode, body)
		}
	}
	evs, err := h.store.EvidenceOf(ctx, in.ID)
	if err != nil || len(evs) != 2 {
		t.Fatalf("evidence: %v %v", evs, err)
	}
	want := map[string]string{"photo.hta": "bin", "scan.bat": "pdf"}
	for _, ev := range evs {
		ext := want[ev.OriginalName]
		if ext == "bin" && ev.MIME != report.MIMEOpaque {
			t.Errorf("the polyglot is kept as %s", ev.MIME)
		}
		resp, _ := h.api(http.MethodGet, evidenceURL(ev, in.ID, "original"), anna, "", nil)
		cd := resp.Header.Get("Content-Disposition")
		if resp.StatusCode != http.StatusOK || !strings.Contains(cd, ev.SHA256+"."+ext) || strings.Contains(cd, ev.OriginalName) {
			t.Errorf("%s: download %d named %q, want %s.%s", ev.OriginalName, resp.StatusCode, cd, ev.SHA256, ext)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: original served with Cache-Control %q", ev.OriginalName, cc)
		}
		resp, _ = h.api(http.MethodGet, evidenceURL(ev, in.ID, "view"), anna, "", nil)
		if ext == "bin" && resp.StatusCode != http.StatusNotFound {
			t.Errorf("the polyglot is shown: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if ext == "pdf" && resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("the PDF is shown with Cache-Control %q", resp.Header.Get("Cache-Control"))
		}
	}
	// The page says the polyglot's original name as text only.
	c := h.client()
	c.login("anna")
	if _, body := c.get(incidentURL(in.ID)); strings.Contains(body, `.hta"`) || !strings.Contains(body, "photo.hta") {
		t.Errorf("the incident page does not show the original name as text only")
	}
	doc, err := h.srv.statsDocument(ctx, report.StatsQuery{ElectionID: f.el.ID, Election: f.el.Code})
	if err != nil {
		t.Fatal(err)
	}
	var pack bytes.Buffer
	if _, err := h.store.WriteEvidencePack(ctx, &pack, report.User{Login: "chief"}, report.PackOptions{Election: f.el, Tr: i18n.New("en"), Stats: doc}); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(pack.Bytes()), int64(pack.Len()))
	if err != nil {
		t.Fatal(err)
	}
	exts := map[string]bool{}
	for _, e := range zr.File {
		if strings.HasPrefix(e.Name, "evidence/") {
			exts[e.Name[strings.LastIndexByte(e.Name, '.')+1:]] = true
		}
	}
	if len(exts) != 2 || !exts["bin"] || !exts["pdf"] {
		t.Errorf("the pack's evidence extensions are %v, want bin and pdf", exts)
	}
}

// Issue 16, finding 10: one account's uploads in an election are bounded (413 with
// a reason), whatever the number of incidents they are spread over.
func TestUploadQuotaPerAccount(t *testing.T) {
	h := newHarnessWith(t, Config{BaseURL: "http://test", MaxUploaderBytes: 2500})
	f := newRecFixtureOn(t, h)
	anna := h.token(f.anna)
	photo := func(i byte) []byte {
		return append([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), bytes.Repeat([]byte{i}, 1000)...)
	}
	for i := range 3 {
		in := fileIncident(t, f, f.anna, "071-023", "quota-"+strconv.Itoa(i))
		resp, body := h.fileUpload("/api/v1/incidents/"+strconv.FormatInt(in.ID, 10)+"/evidence", anna, "p.gif", photo(byte(i)))
		want := http.StatusCreated
		if i == 2 {
			want = http.StatusRequestEntityTooLarge
		}
		if resp.StatusCode != want || (i == 2 && !strings.Contains(body, "one person uploads in an election")) {
			t.Fatalf("upload %d: %d %s", i, resp.StatusCode, body)
		}
	}
	// Someone else's quota is their own.
	in := fileIncident(t, f, f.boris, "071-024", "quota-b")
	if resp, body := h.fileUpload("/api/v1/incidents/"+strconv.FormatInt(in.ID, 10)+"/evidence", h.token(f.boris), "p.gif", photo(9)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("another account's upload: %d %s", resp.StatusCode, body)
	}
}

// Issue 16, finding 10: the CSRF token counts only from the body or the header.
func TestCSRFTokenNotFromQuery(t *testing.T) {
	h := newHarness(t)
	h.user(report.RoleObserver, "anna", "")
	c := h.client()
	c.login("anna")
	tok := c.csrf
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/logout?csrf="+tok, strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, _ := c.do(req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a token in the query was accepted: %d", resp.StatusCode)
	}
	if resp, _ := c.post("/logout", url.Values{"csrf": {tok}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a token in the body was refused: %d", resp.StatusCode)
	}
}
