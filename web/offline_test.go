package web

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

func TestServiceWorkerServedFromRoot(t *testing.T) {
	h := newHarness(t)
	resp, body := h.client().get("/sw.js")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /sw.js = %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Service-Worker-Allowed"); got != "/" {
		t.Errorf("Service-Worker-Allowed = %q, want /", got)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache (a new worker must be picked up)", got)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("Content-Type = %q: browsers refuse a worker that is not JavaScript", ct)
	}
	if !strings.Contains(body, `addEventListener("fetch"`) {
		t.Error("/sw.js is not the service worker")
	}
}

func TestOfflineStringsEveryLanguage(t *testing.T) {
	h := newHarness(t)
	c := h.client()
	var en map[string]json.RawMessage
	for _, lang := range []string{"en", "ru", "kk"} {
		resp, body := c.get("/offline/strings?lang=" + lang)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", lang, resp.StatusCode)
		}
		var out struct {
			Lang    string                     `json:"lang"`
			Strings map[string]json.RawMessage `json:"strings"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		if out.Lang != lang {
			t.Errorf("lang = %q, want %q", out.Lang, lang)
		}
		if lang == "en" {
			en = out.Strings
		}
		for k := range en {
			if _, ok := out.Strings[k]; !ok {
				t.Errorf("%s lacks %s", lang, k)
			}
		}
		if !strings.HasPrefix(string(out.Strings["offline.files"]), "{") {
			t.Errorf("%s: plural offline.files should keep its forms, got %s", lang, out.Strings["offline.files"])
		}
	}
	if len(en) < 20 {
		t.Errorf("only %d offline strings", len(en))
	}
	// An unknown language falls back to English rather than failing the script.
	_, body := c.get("/offline/strings?lang=de")
	if !strings.Contains(body, `"lang":"en"`) {
		t.Errorf("unknown language: %s", body[:min(80, len(body))])
	}
}

func TestOfflineStateSaysWhoIsSignedIn(t *testing.T) {
	h := newHarness(t)
	u := h.user(report.RoleObserver, "aigerim", "")
	c := h.client()
	state := func() (int64, string) {
		resp, body := c.get("/offline/state")
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q: a token must not be cached", cc)
		}
		var st struct {
			User int64  `json:"user"`
			CSRF string `json:"csrf"`
		}
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			t.Fatal(err)
		}
		return st.User, st.CSRF
	}
	if id, tok := state(); id != 0 || tok != "" {
		t.Errorf("anonymous: user %d, csrf %q; want nothing", id, tok)
	}
	c.get("/login")
	resp, _ := c.post("/login", map[string][]string{"login": {"aigerim"}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	id, tok := state()
	if id != u.ID || tok == "" {
		t.Fatalf("signed in: user %d csrf %q, want %d and a token", id, tok, u.ID)
	}
	// The token it gives is the one the session accepts for a form post.
	resp, _ = c.post("/logout", map[string][]string{"csrf": {tok}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout with the state's token: %d", resp.StatusCode)
	}
}

func TestOfflinePage(t *testing.T) {
	h := newHarness(t)
	resp, body := h.client().get("/offline")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "data-offline-queue") {
		t.Fatalf("GET /offline = %d, queue container missing", resp.StatusCode)
	}
	if !strings.Contains(body, `src="/static/js/offline.js"`) {
		t.Error("the layout does not load offline.js")
	}
}

func getGzip(t *testing.T, h *harness, path string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.ts.URL+path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	// A bare transport: http.Client would undo the gzip and hide what was sent.
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestCompression(t *testing.T) {
	h := newHarness(t)
	resp, raw := getGzip(t, h, "/static/css/app.css", nil)
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("CSS not compressed: %v", resp.Header)
	}
	zr, err := gzip.NewReader(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	css, _ := io.ReadAll(zr)
	if !strings.Contains(string(css), ".offline-badge") || len(raw) >= len(css)/2 {
		t.Errorf("CSS: %d bytes compressed from %d", len(raw), len(css))
	}
	resp, _ = getGzip(t, h, "/login", nil)
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("page: Content-Encoding %q, Vary %q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
	}
	// A range must come back as the bytes asked for, not a gzip of them.
	resp, raw = getGzip(t, h, "/static/css/app.css", map[string]string{"Range": "bytes=0-9"})
	if resp.StatusCode != http.StatusPartialContent || resp.Header.Get("Content-Encoding") != "" || len(raw) != 10 {
		t.Errorf("range: %d, encoding %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Encoding"), len(raw))
	}
	// Tiny answers stay as they are.
	resp, _ = getGzip(t, h, "/offline/state", nil)
	if resp.Header.Get("Content-Encoding") != "" {
		t.Error("a 20-byte answer was gzipped")
	}
}
