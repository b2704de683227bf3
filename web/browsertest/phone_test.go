//go:build browser

package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// phone is one person's phone: a tab in a browser context of its own, 360×740 CSS
// pixels at 2× with touch, like a cheap Android phone.
type phone struct {
	t    *testing.T
	e    *env
	ctx  context.Context
	name string
	dir  string
}

func (e *env) phone(bctx context.Context, name string) *phone {
	e.t.Helper()
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	e.t.Cleanup(cancel)
	p := &phone{t: e.t, e: e, ctx: ctx, name: name, dir: artifacts(e.t)}
	// The first action opens the tab and ties it to the context it gets: one
	// without a deadline, so the tab outlives the timeouts of later steps.
	must(e.t, chromedp.Do(ctx), "opening a tab")
	p.do(chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	must(e.t, err, "network.enable")
	// Answer confirm() dialogs (removing a queued item, signing out with items waiting) with OK.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return p
}

func (p *phone) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.shot("failure")
		p.t.Fatalf("%s: %v", p.name, err)
	}
}

// eval runs JavaScript in the page and decodes its result (promises are awaited).
func eval[T any](p *phone, js string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: evaluating %.80q: %v", p.name, js, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds. Errors while a page is
// being replaced (a navigation) count as "not yet".
func (p *phone) waitFor(what, js string, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("Promise.resolve("+js+").then(v => !!v)", chromedp.EvalAwaitPromise))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	p.shot("timeout")
	body, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 1500) : ""`))
	p.t.Fatalf("%s: waiting for %s (last error %v)\npage %s:\n%s", p.name, what, last, p.location(), body)
}

// open loads a page of the server and waits until its scripts have run.
func (p *phone) open(path string) {
	p.t.Helper()
	p.do(chromedp.Navigate(p.e.url + path))
	p.waitFor("the page to load", `document.readyState === "complete"`, 20*time.Second)
}

func (p *phone) location() string {
	loc, _ := chromedp.Run(p.ctx, chromedp.Location())
	return strings.TrimPrefix(loc, p.e.url)
}

var shotName = regexp.MustCompile(`[^a-z0-9-]+`)

// shot saves a full-page screenshot as .artifacts/browser/<phone>-<step>.png.
func (p *phone) shot(step string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Logf("screenshot %s: %v", step, err)
		return ""
	}
	name := filepath.Join(p.dir, p.name+"-"+shotName.ReplaceAllString(strings.ToLower(step), "-")+".png")
	if err := os.WriteFile(name, buf, 0o644); err != nil {
		p.t.Logf("screenshot %s: %v", step, err)
	}
	return name
}

// login signs in through the form, as a person would.
func (p *phone) login(login string) {
	p.t.Helper()
	p.open("/login")
	p.do(
		chromedp.SendKeys(chromedp.ID("login"), login),
		chromedp.SendKeys(chromedp.ID("password"), password),
	)
	p.shot("login")
	p.do(chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)))
	p.waitFor("sign-in", `location.pathname !== "/login" && document.readyState === "complete"`, 20*time.Second)
	if login == coordinator {
		// Coordinators sign in with a second factor.
		p.waitFor("the code page", `location.pathname === "/login/2fa" && document.readyState === "complete"`, 20*time.Second)
		p.do(chromedp.SendKeys(chromedp.CSS(`form[action="/login/2fa"] input[name=code]`), p.e.totpCode(coordTOTP)))
		p.do(chromedp.Click(chromedp.CSS(`form[action="/login/2fa"] button[type=submit]`)))
		p.waitFor("the second factor", `location.pathname !== "/login/2fa" && document.readyState === "complete"`, 20*time.Second)
	}
}

// language switches with the language links of the header. It waits for the new
// page, marked apart from the old one: when the language is already the page's,
// the old page would pass the test at once, and the next navigation would cut the
// switch's short (net::ERR_ABORTED).
func (p *phone) language(lang string) {
	p.t.Helper()
	eval[bool](p, `(window.__beforeLanguage = true)`)
	p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`.langs a[hreflang=%q]`, lang))))
	p.waitFor("the language "+lang, fmt.Sprintf(`!window.__beforeLanguage && document.documentElement.lang === %q && document.readyState === "complete"`, lang), 20*time.Second)
}

// offline cuts the phone's network (and the worker's), and tells the page so, as
// losing the signal does; the server is made unreachable too, so nothing can
// sneak through.
func (p *phone) offline(off bool) {
	p.t.Helper()
	if off {
		p.e.down.Store(true)
	}
	cond := &network.Conditions{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}
	_, err := chromedp.Call(p.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		EmulateOfflineServiceWorker: &off, MatchedNetworkConditions: []*network.Conditions{cond},
	})
	must(p.t, err, "network conditions")
	_, err = chromedp.Call(p.ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
		Offline: off, DownloadThroughput: -1, UploadThroughput: -1,
	})
	must(p.t, err, "network state")
	if !off {
		p.e.down.Store(false)
	}
}

// slow3G throttles like Chrome's "Slow 3G" preset: 400 ms, 400 kbit/s each way.
func (p *phone) slow3G(on bool) {
	p.t.Helper()
	cond := &network.Conditions{DownloadThroughput: -1, UploadThroughput: -1}
	if on {
		cond = &network.Conditions{Latency: 400, DownloadThroughput: 400 * 1024 / 8, UploadThroughput: 400 * 1024 / 8}
	}
	_, err := chromedp.Call(p.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{cond},
	})
	must(p.t, err, "network throttling")
}

// serviceWorkerReady waits until the worker controls the page (from the second
// page load on, or after clients.claim()).
func (p *phone) serviceWorkerReady() {
	p.t.Helper()
	p.waitFor("the service worker", `!!navigator.serviceWorker && !!navigator.serviceWorker.controller`, 20*time.Second)
}
