package web

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Attack review: what comes from outside is bounded and never names a file.

// multipartBody is a form with a csrf field and one file part of n bytes.
func multipartBody(csrf string, fields url.Values, field, name string, n int) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if csrf != "" {
		mw.WriteField("csrf", csrf)
	}
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	w, _ := mw.CreateFormFile(field, name)
	w.Write(bytes.Repeat([]byte{'A'}, n))
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// Nobody signed in uploads anything: the public forms (sign-in, invitation) and
// the gateways' webhooks take small bodies, so an anonymous multipart body is held
// to the small limit rather than the evidence upload's (hundreds of megabytes
// parsed to memory and temporary files before the form's token is even checked).
func TestAttackAnonymousCannotUploadLarge(t *testing.T) {
	fx := newAccessFixture(t)
	anon := fx.h.client()
	anon.get("/login")
	const size = 3 << 20 // over the 2 MB of forms, far under the upload limit
	for _, target := range []string{"/login", "/invite/" + fx.invite, "/setup/" + fx.invite, "/intake/sms/acc-gateway", "/intake/telegram"} {
		for _, chunked := range []bool{false, true} {
			body, ctype := multipartBody(anon.csrf, url.Values{"login": {"x"}, "password": {"y"}}, "file", "big.bin", size)
			var r io.Reader = body
			if chunked {
				r = io.MultiReader(body) // no length known: the limit cuts it while it is read
			}
			req, _ := http.NewRequest(http.MethodPost, fx.h.ts.URL+target, r)
			req.Header.Set("Content-Type", ctype)
			resp, _ := anon.do(req)
			// A webhook reads at most its own small bound of a body sent without its
			// length, and refuses it for what it is (unsigned, not its shape).
			webhook := strings.HasPrefix(target, "/intake/")
			if resp.StatusCode != http.StatusRequestEntityTooLarge && !(webhook && chunked && resp.StatusCode >= 400 && resp.StatusCode < 500) {
				t.Errorf("anonymous multipart of %d bytes to %s (chunked %v): %d, want 413", size, target, chunked, resp.StatusCode)
			}
		}
	}
	// A signed-in observer's photo of the same size goes through.
	c := fx.clients[actObsA]
	fresh := fx.incident(actObsA, "attack-upload", stationA, "to attach to")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", c.csrf)
	w, _ := mw.CreateFormFile("evidence", "photo.jpg")
	w.Write(smallJPEG(t, 3))
	w.Write(bytes.Repeat([]byte{0}, size)) // a large JPEG as far as the limits go
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, fx.h.ts.URL+"/incidents/"+strconv.FormatInt(fresh.ID, 10)+"/evidence", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if resp, _ := c.do(req); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("an observer's 3 MB photo: %d, want 303", resp.StatusCode)
	}
}

// Evidence is named by nothing the caller sends: a sha256 in the URL that is not
// one of the incident's files, or that tries to climb out of the evidence folder,
// is a 404; an upload's name with ../ is kept as a label only, the file lands
// under its SHA-256 in the data folder, and the download is named from its content.
func TestAttackEvidenceNamesNoFile(t *testing.T) {
	fx := newAccessFixture(t)
	c := fx.clients[actObsA]
	incA := strconv.FormatInt(fx.incA.ID, 10)
	secret := filepath.Join(fx.h.store.DataDir(), "signing.key")
	if _, err := os.Stat(secret); err != nil {
		t.Fatalf("the fixture's signing key is not where the test looks: %v", err)
	}
	for _, sha := range []string{
		"..%2f..%2fsigning.key", "..%2fsigning.key", "%2e%2e%2fsigning.key", "..", ".",
		strings.Repeat("0", 64), strings.ToUpper(fx.evA.SHA256), fx.evA.SHA256 + "%00", fx.evA.SHA256[:63],
		fx.evA.SHA256[:2] + "%2f" + fx.evA.SHA256, fx.evB.SHA256,
	} {
		for _, what := range []string{"view", "original"} {
			resp, body := c.get("/evidence/" + sha + "/" + what + "?incident=" + incA)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET /evidence/%s/%s: %d, want 404", sha, what, resp.StatusCode)
			}
			if strings.Contains(body, "PRIVATE KEY") || len(body) > 0 && !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("GET /evidence/%s/%s answered a file (%s)", sha, what, resp.Header.Get("Content-Type"))
			}
		}
	}
	// The incident id is checked, not only the file: A's file through no incident,
	// a bad one, or an incident id that is not a number.
	for _, q := range []string{"", "?incident=", "?incident=0", "?incident=-1", "?incident=" + incA + "x", "?incident=" + incA + "&incident=" + strconv.FormatInt(fx.incB.ID, 10)} {
		if resp, _ := fx.clients[actObsB].get("/evidence/" + fx.evA.SHA256 + "/original" + q); resp.StatusCode != http.StatusNotFound {
			t.Errorf("observer B: GET A's file with %q: %d, want 404", q, resp.StatusCode)
		}
	}

	// An upload named to climb out of the data folder.
	fresh := fx.incident(actObsA, "attack-names", stationA, "named files")
	before := filesUnder(t, filepath.Dir(fx.h.store.DataDir()))
	evil := "../../../../../tmp/evil-" + strconv.FormatInt(fresh.ID, 10) + ".jpg"
	for _, target := range []string{"/incidents/" + strconv.FormatInt(fresh.ID, 10) + "/evidence", "/api/v1/incidents/" + strconv.FormatInt(fresh.ID, 10) + "/evidence"} {
		field := "evidence"
		if strings.HasPrefix(target, "/api/") {
			field = "file"
		}
		resp, body := fx.send(c, fx.tokens[actObsA], http.MethodPost, target, request{files: map[string][2]string{field: {evil, string(smallJPEG(t, 6))}}})
		if resp.StatusCode >= 400 {
			t.Fatalf("upload to %s: %s", target, describe(resp, body))
		}
	}
	if _, err := os.Stat("/tmp/evil-" + strconv.FormatInt(fresh.ID, 10) + ".jpg"); err == nil {
		t.Error("an upload's name put a file outside the data folder")
	}
	for p := range filesUnder(t, filepath.Dir(fx.h.store.DataDir())) {
		if !before[p] && !strings.HasPrefix(p, fx.h.store.DataDir()+string(filepath.Separator)) {
			t.Errorf("an upload made %s, outside the data folder", p)
		}
		if strings.Contains(filepath.Base(p), "evil") {
			t.Errorf("an upload's name named a file: %s", p)
		}
	}
	evs, err := fx.h.store.EvidenceOf(context.Background(), fresh.ID)
	if err != nil || len(evs) != 1 {
		t.Fatalf("evidence of the fresh incident: %d %v", len(evs), err)
	}
	resp, _ := c.get("/evidence/" + evs[0].SHA256 + "/original?incident=" + strconv.FormatInt(fresh.ID, 10))
	if cd := resp.Header.Get("Content-Disposition"); resp.StatusCode != http.StatusOK || strings.Contains(cd, "..") || strings.Contains(cd, "/") || strings.Contains(cd, "evil") {
		t.Errorf("the download of a file uploaded as %q: %d, Content-Disposition %q", evil, resp.StatusCode, cd)
	}
}

// filesUnder is every file under root, by path.
func filesUnder(t *testing.T, root string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out[p] = true
		}
		return nil
	})
	return out
}

// Error pages say what went wrong in their own words: what the request carried
// comes back (in the language links) only escaped.
func TestAttackErrorsEchoNothing(t *testing.T) {
	fx := newAccessFixture(t)
	const probe = `<script>alert("x7q")</script>`
	esc := url.PathEscape(probe)
	c := fx.clients[actCoordB]
	for _, target := range []string{
		"/incidents/" + esc, "/observations/" + esc, "/evidence/" + esc + "/view?incident=" + esc,
		"/incidents?region=" + url.QueryEscape(probe), "/dashboard?region=" + url.QueryEscape(probe),
		"/results/station?code=" + url.QueryEscape(probe), "/coverage?region=" + url.QueryEscape(probe),
		"/export?station=" + url.QueryEscape(probe), "/nowhere/" + esc,
	} {
		resp, body := c.get(target)
		if resp.StatusCode < 400 {
			continue // a page that shows the filter back is checked for escaping by templ
		}
		if strings.Contains(body, "<script>alert") {
			t.Errorf("GET %s: the %d page echoes the request unescaped", target, resp.StatusCode)
		}
	}
	// The API's errors are JSON (never a page a browser would run).
	for _, target := range []string{"/api/v1/elections/" + esc + "/incidents", "/api/v1/incidents/" + esc} {
		resp, body := fx.send(c, fx.tokens[actCoordB], http.MethodGet, target, request{})
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode < 400 || !strings.HasPrefix(ct, "application/json") ||
			strings.Contains(body, "<script>") {
			t.Errorf("GET %s: %d %s %q", target, resp.StatusCode, ct, body)
		}
	}
}
