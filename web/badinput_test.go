package web

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// The bad-input suite: oversized and slow requests, hostile file names and paths.
// (Text that is HTML, a formula or SQL is in badinput_text_test.go.)

// smallLimits keep the upload tests quick: 64 KB a file, 160 KB an incident.
var smallLimits = Config{BaseURL: "http://test", MaxFileBytes: 64 << 10, MaxIncidentBytes: 160 << 10}

// paddedJPEG is a real JPEG with bytes after its end marker, n bytes in all: its type
// is read from its first bytes, so only the size limits can refuse it.
func paddedJPEG(t *testing.T, shade uint8, n int) []byte {
	b := smallJPEG(t, shade)
	return append(b, bytes.Repeat([]byte{0}, n-len(b))...)
}

// chunked hides a body's length, so the server cannot refuse it from its headers.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

// rawAPI posts a body with a token, its length known or not.
func rawAPI(t *testing.T, h *harness, path, token string, body []byte, hideLength bool) (*http.Response, APIError) {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	if hideLength {
		r = chunked{bytes.NewReader(body)}
	}
	resp, text := h.api(http.MethodPost, path, token, "application/json", r)
	var e APIError
	json.Unmarshal([]byte(text), &e)
	return resp, e
}

func TestOversizedBodiesRefused(t *testing.T) {
	fx := newAccessFixtureWith(t, smallLimits)
	h, tok := fx.h, fx.tokens[actObsA]
	before := fx.snapshot()

	// A form over 2 MB (a browser sends its length): refused before anything reads it.
	resp, body := fx.send(fx.clients[actObsA], "", http.MethodPost, "/incidents",
		request{form: incidentForm("big-form", stationA, strings.Repeat("x", 3<<20))})
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "What you sent is too large.") {
		t.Errorf("3 MB form: %s", describe(resp, body))
	}

	// The same without its length (chunked): cut by the limit while being read, and
	// answered as too large, not as a form that lost its token.
	for actor, path := range map[string]string{actObsA: "/incidents", actAnon: "/login"} {
		c := fx.clients[actor]
		form := url.Values{"csrf": {c.csrf}, "description": {strings.Repeat("x", 3<<20)}}
		req, _ := http.NewRequest(http.MethodPost, h.ts.URL+path, chunked{strings.NewReader(form.Encode())})
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, body := c.do(req)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "What you sent is too large.") {
			t.Errorf("3 MB form to %s, length hidden: %s", path, describe(resp, body))
		}
	}

	// The JSON API: over the 2 MB body limit (with and without a length), and over
	// the 1 MB of one submission. Always 413 with the JSON error too_large.
	huge := []byte(`{"client_id": "big", "description": "` + strings.Repeat("x", 3<<20) + `"}`)
	line := []byte(`{"client_id": "big", "notes": "` + strings.Repeat("y", report.MaxLineBytes) + `"}`)
	for _, path := range []string{"/api/v1/elections/" + fx.el.Code + "/incidents", "/api/v1/elections/" + fx.el.Code + "/observations",
		"/api/v1/incidents/" + strconv.FormatInt(fx.incA.ID, 10) + "/status"} {
		for _, c := range []struct {
			name string
			body []byte
			hide bool
		}{{"3 MB", huge, false}, {"3 MB, length hidden", huge, true}, {"1 MB + 40 bytes", line, false}, {"1 MB + 40 bytes, length hidden", line, true}} {
			token := tok
			if strings.HasSuffix(path, "/status") {
				token = fx.tokens[actNational]
			}
			resp, e := rawAPI(t, h, path, token, c.body, c.hide)
			if strings.HasSuffix(path, "/status") && len(c.body) < 2<<20 {
				// Under the body limit a status call is simply bad JSON for its shape.
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("%s, %s: %d %+v", path, c.name, resp.StatusCode, e)
				}
				continue
			}
			if resp.StatusCode != http.StatusRequestEntityTooLarge || e.Error.Code != "too_large" || e.Error.Message == "" {
				t.Errorf("%s, %s: %d %+v", path, c.name, resp.StatusCode, e)
			}
		}
	}
	if diff := changed(before, fx.snapshot()); len(diff) > 0 {
		t.Errorf("refused bodies changed %v", diff)
	}

	// A file over the per-file limit: the page says which file and the limit; the API
	// answers 413 too_large; nothing is kept.
	incPath := "/incidents/" + strconv.FormatInt(fx.incA.ID, 10) + "/evidence"
	big := string(paddedJPEG(t, 3, 100<<10))
	resp, body = fx.send(fx.clients[actObsA], "", http.MethodPost, incPath, request{files: map[string][2]string{"evidence": {"big-photo.jpg", big}}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "big-photo.jpg: A file may be at most 64 KB.") {
		t.Errorf("page upload over the file limit: %s\n%s", describe(resp, body), body)
	}
	resp, text := h.fileUpload("/api"+"/v1"+incPath, tok, "big-photo.jpg", []byte(big))
	var e APIError
	json.Unmarshal([]byte(text), &e)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || e.Error.Code != "too_large" || !strings.Contains(e.Error.Message, "64 KB") {
		t.Errorf("API upload over the file limit: %d %s", resp.StatusCode, text)
	}
	// The incident form keeps the incident and says which file was not attached.
	resp, body = fx.send(fx.clients[actObsA], "", http.MethodPost, "/incidents", request{form: incidentForm("with-big-file", stationA, "a file too big"),
		files: map[string][2]string{"evidence": {"huge.jpg", big}}})
	if resp.StatusCode >= 500 || !strings.Contains(body, "huge.jpg") || !strings.Contains(body, "A file may be at most 64 KB.") {
		t.Errorf("incident form with a file over the limit: %s\n%s", describe(resp, body), body)
	}
	// (presence: the observer was heard from, intake.md's silent-observer clock)
	if diff := changed(before, fx.snapshot()); !equalSets(diff, "audit_log", "incidents", "presence") {
		t.Errorf("refused files changed %v (only the incident of the form should be new)", diff)
	}

	// Files under the per-file limit, over the per-incident limit together.
	fresh := fx.incident(actObsA, "full", stationA, "many files")
	apiPath := "/api/v1/incidents/" + strconv.FormatInt(fresh.ID, 10) + "/evidence"
	for i := uint8(0); i < 3; i++ {
		resp, text := h.fileUpload(apiPath, tok, fmt.Sprintf("part-%d.jpg", i), paddedJPEG(t, i, 60<<10))
		want := http.StatusCreated
		if i == 2 {
			want = http.StatusRequestEntityTooLarge
		}
		if resp.StatusCode != want || (i == 2 && !strings.Contains(text, `"too_large"`)) {
			t.Errorf("file %d of 60 KB on an incident of 160 KB: %d %s", i, resp.StatusCode, text)
		}
	}

	// A request over the whole-upload limit (the incident limit and 8 MB for fields).
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", "enormous.jpg")
	w.Write(paddedJPEG(t, 9, 9<<20))
	mw.Close()
	resp, text = h.api(http.MethodPost, apiPath, tok, mw.FormDataContentType(), &buf)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(text, `"too_large"`) {
		t.Errorf("9 MB upload: %d %s", resp.StatusCode, text)
	}
	if n := len(mustEvidence(t, fx, fresh.ID)); n != 2 {
		t.Errorf("the incident has %d files, want the 2 that fit", n)
	}
}

func equalSets(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

func mustEvidence(t *testing.T, fx *accessFixture, incidentID int64) []report.Evidence {
	t.Helper()
	evs, err := fx.h.store.EvidenceOf(context.Background(), incidentID)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// A client that sends its body too slowly is cut off by ReadTimeout, as a slow
// client's headers are by HeaderTimeout (TestSlowHeadersCutOff). The pack check's
// longer upload time is for signed-in staff only: a stranger's upload to /verify is
// cut off like any other.
func TestSlowBodyCutOff(t *testing.T) {
	addr, stop := runServer(t, Config{ReadTimeout: 500 * time.Millisecond}, nil)
	defer stop()
	for _, head := range []string{
		"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n",
		"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n",
	} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		io.WriteString(conn, head)
		conn.SetReadDeadline(time.Now().Add(6 * time.Second))
		go func() {
			// One byte every 100 ms: 100 KB would take almost three hours.
			for i := 0; i < 60; i++ {
				if _, err := conn.Write([]byte("x")); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
		answer, _ := io.ReadAll(conn) // until the server closes the connection
		conn.Close()
		what := strings.SplitN(head, " HTTP", 2)[0]
		if took := time.Since(start); took > 4*time.Second {
			t.Errorf("%s: a slow body held the connection for %v", what, took)
		}
		// A refusal may come before the body is read (a stranger is sent to sign in).
		s := string(answer)
		if strings.HasPrefix(s, "HTTP/1.1 2") || (strings.HasPrefix(s, "HTTP/1.1 3") && !strings.Contains(s, "Location: /login?next=")) {
			t.Errorf("%s: a body cut off was answered as if complete: %q", what, s[:min(len(s), 80)])
		}
	}
}

// Evidence names are stored cleaned (never a path) and files are kept by their
// SHA-256 inside the evidence store only; evidence URLs that do not name a SHA-256
// of the incident are 404, never a path on disk.
func TestEvidenceNamesAndPaths(t *testing.T) {
	fx := newAccessFixture(t)
	h, tok := fx.h, fx.tokens[actObsA]
	names := []string{"../../etc/passwd", `..\..\x.jpg`, "/etc/shadow.jpg", `C:\Users\anna\photo.jpg`, "a\x00b.jpg",
		"..", ".hidden.jpg", "name\r\nX-Injected: 1.jpg", "photo.jpg\u202egnp.exe"}
	dir := filepath.Dir(h.store.DataDir())
	beforeFiles := listFiles(t, dir)
	for i, name := range names {
		in := fx.incident(actObsA, "names-"+strconv.Itoa(i), stationA, "hostile file names")
		content := paddedJPEG(t, uint8(i), 4096)
		var resp *http.Response
		var body string
		if i%2 == 0 {
			resp, body = h.fileUpload("/api/v1/incidents/"+strconv.FormatInt(in.ID, 10)+"/evidence", tok, name, content)
		} else {
			resp, body = fx.send(fx.clients[actObsA], "", http.MethodPost, "/incidents/"+strconv.FormatInt(in.ID, 10)+"/evidence",
				request{files: map[string][2]string{"evidence": {name, string(content)}}})
		}
		evs := mustEvidence(t, fx, in.ID)
		if resp.StatusCode == http.StatusBadRequest && strings.ContainsRune(name, 0) && len(evs) == 0 {
			continue // the multipart reader refuses a NUL in a part's header: refused whole, nothing kept
		}
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusSeeOther {
			t.Errorf("upload named %q: %s", name, describe(resp, body))
			continue
		}
		if len(evs) != 1 {
			t.Fatalf("%q: %d files", name, len(evs))
		}
		got := evs[0].OriginalName
		if strings.ContainsAny(got, "/\\\x00\r\n\u202e") || strings.HasPrefix(got, ".") {
			t.Errorf("name %q stored as %q", name, got)
		}
		if want := h.store.BlobPath(evs[0].SHA256); filepath.Dir(filepath.Dir(want)) != filepath.Join(h.store.DataDir(), "evidence") {
			t.Errorf("file of %q kept at %s", name, want)
		}
		// The download names the file with the cleaned name, in a header it cannot break.
		r, _ := fx.clients[actObsA].get(evidenceURL(evs[0], in.ID, "original"))
		cd := r.Header.Get("Content-Disposition")
		if r.StatusCode != http.StatusOK || strings.ContainsAny(cd, "/\\\r\n") || r.Header.Get("X-Injected") != "" {
			t.Errorf("download of %q: %d, Content-Disposition %q", name, r.StatusCode, cd)
		}
	}
	// Nothing was written outside the database and the evidence store.
	for f := range listFiles(t, dir) {
		if !beforeFiles[f] && !strings.HasPrefix(f, filepath.Join("data", "evidence")+string(filepath.Separator)) && !strings.HasPrefix(f, "t.db") {
			t.Errorf("an upload wrote %s", f)
		}
	}
	for _, p := range []string{"/etc/passwd.jpg", "/x.jpg"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s exists", p)
		}
	}

	incA := strconv.FormatInt(fx.incA.ID, 10)
	for _, sha := range []string{"..%2F..%2Fetc%2Fpasswd", "..", "zz", strings.Repeat("g", 64), strings.Repeat("A", 64),
		fx.evA.SHA256[:63], fx.evA.SHA256 + "0", "%00", url.PathEscape("../" + fx.evA.SHA256), fx.evB.SHA256} {
		for _, what := range []string{"view", "original"} {
			resp, body := fx.clients[actObsA].get("/evidence/" + sha + "/" + what + "?incident=" + incA)
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusBadRequest {
				t.Errorf("evidence URL with sha %q: %s", sha, describe(resp, body))
			}
		}
	}
	for _, q := range []string{"", "incident=", "incident=-1", "incident=1e3", "incident=" + incA + "%00", "incident=../1"} {
		resp, body := fx.clients[actObsA].get("/evidence/" + fx.evA.SHA256 + "/view?" + q)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("evidence URL with %q: %s", q, describe(resp, body))
		}
	}
}

// listFiles lists the regular files under dir, relative to it.
func listFiles(t *testing.T, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out[rel] = true
		}
		return nil
	})
	return out
}

// A pack uploaded to /verify with hostile entry names: listed as unsafe, shown
// escaped, never extracted anywhere.
func TestVerifyHostileZipNames(t *testing.T) {
	fx := newAccessFixture(t)
	names := []string{"../../evil.txt", "/abs/evil.txt", `..\..\evil.txt`, "a\x00b.txt", "<img src=x onerror=alert(1)>.txt", "ok/../../evil.txt"}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "payload")
	}
	w, _ := zw.Create("SHA256SUMS")
	fmt.Fprintf(w, "%064x  <script>alert(1)</script>\n%064x  ../../../etc/passwd\n", 1, 2)
	zw.Close()
	cwd, _ := os.Getwd()
	dir := filepath.Dir(fx.h.store.DataDir())
	before := listFiles(t, dir)
	resp, body := fx.send(fx.clients[actNational], "", http.MethodPost, "/verify",
		request{files: map[string][2]string{"pack": {"<img src=x onerror=alert(1)>.zip", buf.String()}}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("verify: %s", describe(resp, body))
	}
	checkEscaped(t, "verify page", body, nil)
	for _, n := range []string{"<script>alert(1)</script>", "<img src=x onerror=alert(1)>.txt"} {
		if !strings.Contains(body, html.EscapeString(n)) {
			t.Errorf("the verify page does not list %q (escaped)", n)
		}
	}
	if got := strings.Count(body, `data-status="unsafe"`); got < len(names) {
		t.Errorf("%d entries shown unsafe, want at least %d", got, len(names))
	}
	for f := range listFiles(t, dir) {
		if !before[f] && !strings.HasPrefix(f, "t.db") {
			t.Errorf("checking a pack wrote %s", f)
		}
	}
	for _, p := range []string{filepath.Join(cwd, "evil.txt"), filepath.Join(filepath.Dir(cwd), "evil.txt"), "/abs/evil.txt", filepath.Join(dir, "evil.txt")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s exists", p)
		}
	}
}
