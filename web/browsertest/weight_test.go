//go:build browser

package browsertest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// pageBudget is what one observer page may weigh over the wire, before images:
// its HTML, CSS and JavaScript, as the server sends them (gzipped).
const pageBudget = 50 << 10

var (
	assetRe = regexp.MustCompile(`<(?:script[^>]+src|link[^>]+href)="(/static/[^"]+)"`)
	csrfRe  = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
)

// wire fetches a path as a browser would (accepting gzip) and returns the bytes
// that crossed the network: the body as sent, plus the response headers.
func wire(t *testing.T, c *http.Client, rawURL string) (body string, n int) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, rawURL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := c.Do(req)
	must(t, err, "GET %s", rawURL)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", rawURL, resp.StatusCode)
	}
	head := len(resp.Proto) + 16
	for k, vs := range resp.Header {
		for _, v := range vs {
			head += len(k) + len(v) + 4
		}
	}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		// Read the HTML itself to find its assets.
		r, err := gzipReader(raw)
		must(t, err, "gunzip %s", rawURL)
		plain, _ := io.ReadAll(r)
		return string(plain), len(raw) + head
	}
	return string(raw), len(raw) + head
}

// The observer's pages stay light enough for a weak 3G signal: each under 50 KB
// with everything it loads (HTML, CSS, JS, the queue's strings), counted as sent.
// The numbers go to the log and to .artifacts/browser/weights.txt.
func TestObserverPagesWeight(t *testing.T) {
	e := newEnv(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: &http.Transport{DisableCompression: true}}
	page, _ := wire(t, c, e.url+"/login")
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on the sign-in page")
	}
	resp, err := c.PostForm(e.url+"/login", url.Values{"csrf": {m[1]}, "login": {observer}, "password": {password}})
	must(t, err, "signing in")
	resp.Body.Close()

	b := browser(t)
	pages := e.observerPages(e.phone(b, "weight-fixtures"))
	var out strings.Builder
	fmt.Fprintf(&out, "%-40s %8s %8s %8s\n", "page (gzip, with headers)", "HTML", "assets", "total")
	for _, pg := range pages {
		html, htmlBytes := wire(t, c, e.url+pg.path)
		assets := 0
		seen := map[string]bool{}
		// offline.js loads these after the page: count them as part of it.
		extra := []string{"/static/js/offline_ui.js", "/offline/strings?lang=en"}
		for _, a := range assetRe.FindAllStringSubmatch(html, -1) {
			extra = append(extra, a[1])
		}
		for _, a := range extra {
			if seen[a] {
				continue
			}
			seen[a] = true
			_, n := wire(t, c, e.url+a)
			assets += n
		}
		total := htmlBytes + assets
		fmt.Fprintf(&out, "%-40s %8d %8d %8d\n", pg.path, htmlBytes, assets, total)
		if total > pageBudget {
			t.Errorf("%s weighs %d bytes over the wire, over the %d budget", pg.path, total, pageBudget)
		}
	}
	_, sw := wire(t, c, e.url+"/sw.js")
	fmt.Fprintf(&out, "%-40s %8d   (once per visit, checked for updates)\n", "/sw.js", sw)

	// And as a phone on "Slow 3G" sees it, with nothing cached yet.
	p := e.phone(b, "slow3g")
	p.login(observer)
	_, err = chromedp.Call(p.ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true})
	must(t, err, "disabling the cache")
	_, err = chromedp.Call(p.ctx, network.SetBypassServiceWorker, network.SetBypassServiceWorkerParams{Bypass: true})
	must(t, err, "bypassing the worker")
	p.slow3G(true)
	fmt.Fprintf(&out, "\nSlow 3G (400 ms, 400 kbit/s), nothing cached: time until the page is usable / fully loaded\n")
	for _, pg := range pages[:6] {
		start := time.Now()
		p.open(pg.path)
		ms := eval[[]float64](p, `(() => { const n = performance.getEntriesByType("navigation")[0];
			return [n.domContentLoadedEventEnd, n.loadEventEnd]; })()`)
		fmt.Fprintf(&out, "%-40s %6.1f s  %6.1f s  (wall %.1f s)\n", pg.path, ms[0]/1000, ms[1]/1000, time.Since(start).Seconds())
	}
	p.slow3G(false)
	t.Log("\n" + out.String())
	must(t, os.WriteFile(filepath.Join(artifacts(t), "weights.txt"), []byte(out.String()), 0o644), "writing weights.txt")
}

func gzipReader(b []byte) (io.Reader, error) { return gzip.NewReader(bytes.NewReader(b)) }
