package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// Content that pretends: markup and scripts named like photos, a photo with markup
// after it, and redirect targets that lead off the site.

func TestDisguisedContentAndRedirects(t *testing.T) {
	fx := newAccessFixture(t)
	h, tok := fx.h, fx.tokens[actObsA]
	path := "/api/v1/incidents/" + strconv.FormatInt(fx.incA.ID, 10) + "/evidence"
	for name, content := range map[string]string{
		"photo.jpg":   `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`,
		"scan.pdf":    "<!doctype html><script>alert(1)</script>",
		"voice.m4a":   "#!/bin/sh\nrm -rf /\n",
		"picture.png": "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
	} {
		resp, body := h.fileUpload(path, tok, name, []byte(content))
		if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(body, `"unsupported_type"`) {
			t.Errorf("%s holding %.20q: %s", name, content, describe(resp, body))
		}
	}
	if n := len(mustEvidence(t, fx, fx.incA.ID)); n != 1 {
		t.Errorf("refused files were kept: %d files", n)
	}
	// A real photo with markup after it is a photo: served as one, never sniffed as a page.
	poly := string(smallJPEG(t, 4)) + "<html><script>alert(1)</script></html>"
	resp, body := h.fileUpload(path, tok, "poly.html", []byte(poly))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("photo with markup after it: %s", describe(resp, body))
	}
	evs := mustEvidence(t, fx, fx.incA.ID)
	ev := evs[len(evs)-1]
	for _, what := range []string{"view", "original"} {
		r, _ := fx.clients[actObsA].get(evidenceURL(ev, fx.incA.ID, what))
		if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "image/jpeg" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s of a photo with markup: %d %q %q", what, r.StatusCode, r.Header.Get("Content-Type"), r.Header.Get("X-Content-Type-Options"))
		}
		if what == "original" && !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("the original is not a download: %q", r.Header.Get("Content-Disposition"))
		}
	}

	// Redirect targets stay on the site.
	offsite := []string{"//evil.example/", "https://evil.example/", `/\evil.example`, `\\evil.example`, "/%2F%2Fevil.example",
		"javascript:alert(1)", "http:/evil.example", "///evil.example", "/\t/evil.example", "%0d%0aLocation: https://evil.example"}
	for _, target := range offsite {
		resp, _ := fx.clients[actObsA].get("/lang?to=en&back=" + url.QueryEscape(target))
		checkLocal(t, "/lang back="+target, resp)
		anon := fx.signIn(actAnon)
		resp, _ = anon.post("/login", url.Values{"login": {fx.spare.Login}, "password": {testPassword}, "next": {target}})
		checkLocal(t, "/login next="+target, resp)
	}
}

// checkLocal fails for a redirect that could leave the site.
func checkLocal(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	loc := resp.Header.Get("Location")
	u, err := url.Parse(loc)
	if resp.StatusCode != http.StatusSeeOther || err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(loc, "/") ||
		strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, `/\`) || strings.ContainsAny(loc, "\r\n\t") {
		t.Errorf("%s: %d to %q", what, resp.StatusCode, loc)
	}
}
