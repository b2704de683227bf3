package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Attack review: every redirect built from a caller's value stays on this site. A
// path whose escaped slashes come back unescaped ("/%2f%2fevil.example/ü" is
// re-encoded by net/url as "///evil.example/%C3%BC", which browsers read as the
// host evil.example) must not get out through /lang's back=, the sign-in's next=,
// or the sign-in redirect of a page.

// offSite reports whether a Location header would take a browser to another host
// (a scheme, or a path starting with two slashes or a slash and a backslash, which
// browsers read as a host).
func offSite(loc string) bool {
	if loc == "" {
		return false
	}
	u, err := url.Parse(loc)
	if err != nil || u.IsAbs() || u.Host != "" {
		return true
	}
	return !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\")
}

var offSiteTargets = []string{
	"/%2f%2fevil.example/ü",
	"/%2f%2fevil.example/%C3%BC",
	"/%2f%5cevil.example/ü",
	"/%2F%2Fevil.example/a b",
	"/%2f%5cevil.example/%C3%BC",
	"/%5c%5cevil.example/%C3%BC",
	"//evil.example",
	"/\\evil.example",
	"https://evil.example/",
	"/%2f%2fevil.example",
}

func TestAttackRedirectsStayOnSite(t *testing.T) {
	h := newHarness(t)
	anon := h.client()
	anon.get("/login")
	for _, target := range offSiteTargets {
		// The decoded value is what the handler reads; the query carries it encoded.
		decoded, err := url.PathUnescape(target)
		if err != nil {
			decoded = target
		}
		for _, v := range []string{target, decoded} {
			resp, _ := anon.get("/lang?" + url.Values{"to": {"en"}, "back": {v}}.Encode())
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || offSite(loc) {
				t.Errorf("GET /lang back=%q: %d → %q leaves the site", v, resp.StatusCode, loc)
			}
		}
	}
	// The sign-in's next=, through POST /login.
	h.user("observer", "walker", "")
	for _, target := range offSiteTargets {
		decoded, err := url.PathUnescape(target)
		if err != nil {
			decoded = target
		}
		c := h.client()
		c.get("/login")
		resp, _ := c.post("/login", url.Values{"login": {"walker"}, "password": {testPassword}, "next": {decoded}})
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || offSite(loc) {
			t.Errorf("POST /login next=%q: %d → %q leaves the site", decoded, resp.StatusCode, loc)
		}
		// The sign-in page keeps next= in its form: what it keeps must be local too.
		_, body := anon.get("/login?" + url.Values{"next": {decoded}}.Encode())
		if strings.Contains(body, `value="///`) || strings.Contains(body, `value="//`) {
			t.Errorf("GET /login next=%q keeps an off-site next in its form", decoded)
		}
	}
	// A page asked for while signed out sends to the sign-in with next= its own path.
	resp, _ := anon.get("/%2f%2fevil.example/%C3%BC/incidents")
	if loc := resp.Header.Get("Location"); offSite(loc) {
		t.Errorf("a signed-out page: → %q leaves the site", loc)
	}
	for _, v := range []string{"/incidents", "/incidents?region=ALM", "/observations/new?phase=voting&station=071-023"} {
		if got := localPath(v); got != v {
			t.Errorf("localPath(%q) = %q, want it kept", v, got)
		}
	}
}
