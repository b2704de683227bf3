//go:build browser

package browsertest

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// axeSource is axe.min.js of the npm package axe-core: AXE_CORE names it, or it is
// looked for where .ci/run installs it.
func axeSource(t *testing.T) string {
	t.Helper()
	src := axeIfAvailable(t)
	if src == "" {
		t.Skip("no axe-core (npm install --prefix /tmp/axe axe-core@4, or set AXE_CORE)")
	}
	return src
}

// axeIfAvailable is axeSource for tests that check other things too: "" when
// axe-core is missing outside CI.
func axeIfAvailable(t *testing.T) string {
	t.Helper()
	path := os.Getenv("AXE_CORE")
	if path == "" {
		path = "/tmp/axe/node_modules/axe-core/axe.min.js"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core is needed in CI (npm install --prefix /tmp/axe axe-core@4): %v", err)
		}
		return ""
	}
	return string(b)
}

type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string
}

// noAxeViolations fails the test for each WCAG violation on the page as it is now.
func (p *phone) noAxeViolations(src, page string) {
	p.t.Helper()
	if src == "" {
		return
	}
	wcag, _ := p.axe(src, page)
	for _, v := range wcag {
		p.t.Errorf("%s: %s (%s, %s):\n  %s", page, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}
}

// axe runs axe-core in the page. The WCAG 2.x A and AA rules must pass; the
// best-practice ones are listed in the log.
func (p *phone) axe(src, page string) (wcag, advice []axeViolation) {
	p.t.Helper()
	if !eval[bool](p, `typeof axe !== "undefined"`) {
		// The DevTools protocol evaluates outside the page's CSP, as an extension would.
		eval[bool](p, src+"\n;true")
	}
	run := func(tags string) []axeViolation {
		raw := eval[string](p, `axe.run(document, {runOnly: {type: "tag", values: [`+tags+`]}, resultTypes: ["violations"]})
			.then(r => JSON.stringify(r.violations.map(v => ({ID: v.id, Impact: v.impact || "", Help: v.help,
				Nodes: v.nodes.slice(0, 6).map(n => n.target.join(" ") + " — " + (n.failureSummary || "").replace(/\s+/g, " "))}))))`)
		var out []axeViolation
		must(p.t, json.Unmarshal([]byte(raw), &out), "axe result on %s", page)
		return out
	}
	return run(`"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"`), run(`"best-practice"`)
}

// Every observer page, in each language, passes axe-core's WCAG 2.2 A/AA rules:
// labels, contrast, lang, names of controls, target sizes.
func TestObserverPagesAccessible(t *testing.T) {
	src := axeSource(t)
	e := newEnv(t)
	b := browser(t)
	p := e.phone(b, "a11y")
	p.open("/login")
	report := func(lang, page string) {
		wcag, advice := p.axe(src, page)
		for _, v := range wcag {
			t.Errorf("%s %s: %s (%s, %s):\n  %s", lang, page, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
		}
		for _, v := range advice {
			t.Logf("%s %s: best practice %s: %s (%d)", lang, page, v.ID, v.Help, len(v.Nodes))
		}
	}
	report("en", "/login")
	// The check can fail: an input without a label is caught.
	eval[bool](p, `(() => { const i = document.createElement("input"); i.type = "text"; document.querySelector("main").append(i); return true; })()`)
	if wcag, _ := p.axe(src, "/login"); len(wcag) == 0 || wcag[0].ID != "label" {
		t.Fatalf("axe did not catch an unlabelled input: %+v", wcag)
	}
	p.login(observer)
	pages := e.observerPages(p)
	for _, lang := range []string{"en", "ru", "kk"} {
		p.open("/my")
		p.language(lang)
		for _, pg := range pages {
			p.open(pg.path)
			p.waitFor("the queue script", `!!window.observerOutbox`, 10*time.Second)
			report(lang, pg.path)
			if lang == "en" {
				p.checkFits(pg.name)
			}
		}
	}
	// Keyboard: the skip link is the first stop and leads to the content.
	p.open("/my")
	p.do(chromedp.KeyEvent(kb.Tab))
	if got := eval[string](p, `document.activeElement.getAttribute("href") || ""`); got != "#main" {
		t.Errorf("first Tab stop is %q, want the skip link to #main", got)
	}
}
