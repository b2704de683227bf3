//go:build browser

package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// testPhoto writes a w×h JPEG like a phone camera's (detail everywhere, so it does
// not compress to nothing) and returns its path.
func testPhoto(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	seed := uint32(2463534242)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			seed ^= seed << 13
			seed ^= seed >> 17
			seed ^= seed << 5
			n := uint8(seed & 31)
			img.Set(x, y, color.RGBA{uint8(x*255/w) ^ n, uint8(y*255/h) + n, uint8((x + y) * 255 / (w + h)), 255})
		}
	}
	path := filepath.Join(t.TempDir(), "IMG_20260315_114012.jpg")
	f, err := os.Create(path)
	must(t, err, "creating the photo")
	defer f.Close()
	must(t, jpeg.Encode(f, img, &jpeg.Options{Quality: 92}), "encoding the photo")
	return path
}

func fileSize(t *testing.T, path string) int64 {
	st, err := os.Stat(path)
	must(t, err, "stat %s", path)
	return st.Size()
}

// fillCountingForm answers every question, an assessment, and a protocol whose
// figures add up.
func (p *phone) fillCountingForm() {
	p.t.Helper()
	eval[bool](p, `(() => {
		const f = document.querySelector("form input[name=client_id]").form;
		const set = (id, v) => { const el = document.getElementById(id); if (el) { el.value = v; } };
		set("arrived_at", "2026-03-15T19:40");
		f.querySelectorAll("fieldset.q:not(.follow)").forEach(fs => {
			const no = fs.querySelector('input[type=radio][value=no]') || fs.querySelector('input[type=radio]');
			if (no) no.click();
		});
		const good = f.querySelector('input[name=assessment]');
		if (good) good.click();
		const figs = {registered_voters: 1840, ballots_received: 1800, voters_voted: 1012, homebound_requests: 40,
			ballots_stationary: 980, ballots_mobile: 32, ballots_invalid: 21, ballots_cancelled: 788};
		for (const k in figs) set("fig-" + k, String(figs[k]));
		set("vote-code-0", "A"); set("vote-count-0", "611");
		set("vote-code-1", "B"); set("vote-count-1", "380");
		set("notes", "Count started on time; the commission counted in view of observers.");
		f.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})()`)
}

// fillIncident fills the incident form; category "" keeps the one preset.
func (p *phone) fillIncident(category, phase, description, photo string, smaller bool) {
	p.t.Helper()
	js := fmt.Sprintf(`(() => {
		const cat = %q, phase = %q, smaller = %v;
		if (cat) document.getElementById("category").value = cat;
		const ph = document.querySelector('input[name=phase][value="' + phase + '"]');
		if (ph) ph.click();
		const w = document.querySelector('input[name=witnessed][value=true]');
		if (w) w.click();
		const box = document.querySelector(".offline-shrink input");
		if (box && box.checked !== smaller) box.click();
		return true;
	})()`, category, phase, smaller)
	eval[bool](p, js)
	p.do(
		chromedp.SendKeys(chromedp.ID("description"), description),
		chromedp.SetUploadFiles(chromedp.ID("evidence"), []string{photo}),
	)
}

// checkFits checks the page on a 360 px screen: nothing wider than the screen,
// and every control big enough for a thumb (24 px at the very least, WCAG 2.5.8;
// the small ones under 44 px are listed in the log).
func (p *phone) checkFits(page string) {
	p.t.Helper()
	var r struct {
		Scroll, Width int
		Wide          []string
		Tiny, Small   []string
	}
	raw := eval[[]byte](p, `(() => {
		const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
			(el.getAttribute("href") ? "[href=" + el.getAttribute("href") + "]" : "") +
			(el.name ? "[name=" + el.name + "]" : "") + " " + (el.textContent || "").trim().slice(0, 30);
		const out = {Scroll: document.documentElement.scrollWidth, Width: window.innerWidth, Wide: [], Tiny: [], Small: []};
		document.querySelectorAll("body *").forEach(el => {
			const r = el.getBoundingClientRect();
			if (r.width > 0 && r.right > window.innerWidth + 1) out.Wide.push(name(el));
		});
		document.querySelectorAll("a, button, input, select, textarea, summary").forEach(el => {
			const s = getComputedStyle(el);
			if (s.visibility === "hidden" || s.display === "none" || s.opacity === "0" || el.type === "hidden") return;
			let r = el.getBoundingClientRect();
			if (r.width === 0 || r.height === 0 || r.right <= 0 || r.bottom <= 0) return; // off-screen until focused (the skip link)
			// A radio or checkbox is tapped through its label as well.
			const label = el.closest("label") || (el.labels && el.labels[0]);
			if (label && (el.type === "radio" || el.type === "checkbox")) {
				const l = label.getBoundingClientRect();
				r = {width: Math.max(r.width, l.width), height: Math.max(r.height, l.height)};
			}
			// A plain text link is judged by axe's target-size rule, which knows the
			// WCAG 2.5.8 exceptions (inline in text, enough space around it).
			const textLink = el.tagName === "A" && s.display === "inline";
			const min = Math.min(r.width, r.height);
			if (min < 24 && !textLink) out.Tiny.push(name(el) + " " + Math.round(r.width) + "x" + Math.round(r.height));
			else if (r.height < 44) out.Small.push(name(el) + " " + Math.round(r.width) + "x" + Math.round(r.height));
		});
		return out;
	})()`)
	must(p.t, json.Unmarshal(raw, &r), "layout report")
	if r.Scroll > r.Width {
		p.t.Errorf("%s: the page scrolls sideways at %d px (content %d px wide): %v", page, r.Width, r.Scroll, first(r.Wide, 5))
	}
	if len(r.Tiny) > 0 {
		p.t.Errorf("%s: controls smaller than 24 px: %v", page, r.Tiny)
	}
	if len(r.Small) > 0 {
		p.t.Logf("%s: controls under 44 px tall (usable, not ideal): %v", page, first(r.Small, 12))
	}
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("… %d more", len(s)-n))
	}
	return s
}

// consoleErrors collects what the page reports as broken: uncaught exceptions and
// Content-Security-Policy refusals (an inline script or style the policy blocks).
type consoleLog struct {
	mu   sync.Mutex
	errs []string
}

func (p *phone) consoleErrors() *consoleLog {
	l := &consoleLog{}
	msgs := chromedp.Console(p.ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			text := m.String()
			if m.IsException() || strings.Contains(text, "Content Security Policy") {
				l.mu.Lock()
				l.errs = append(l.errs, fmt.Sprintf("%s:%d %s", m.URL, m.Line+1, text))
				l.mu.Unlock()
			}
		}
	}()
	return l
}

func (p *phone) noConsoleErrors(l *consoleLog) {
	p.t.Helper()
	time.Sleep(200 * time.Millisecond) // let the last messages arrive
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.errs {
		p.t.Errorf("%s: browser console: %s", p.name, e)
	}
}

// keyShaped matches a catalogue key as it would show if a translation were
// missing: "recording.obs.title", built from the catalogue's own key prefixes.
func keyShaped() *regexp.Regexp {
	prefixes := map[string]bool{}
	names, _ := fs.Glob(i18n.Files(), "*.json")
	for _, n := range names {
		b, _ := fs.ReadFile(i18n.Files(), n)
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		for k := range m {
			if i := strings.IndexByte(k, '.'); i > 0 {
				prefixes[regexp.QuoteMeta(k[:i])] = true
			}
		}
	}
	list := make([]string, 0, len(prefixes))
	for p := range prefixes {
		list = append(list, p)
	}
	sort.Strings(list)
	return regexp.MustCompile(`\b(?:` + strings.Join(list, "|") + `)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*\b`)
}

type obsPage struct{ name, path string }

// observerPages are every page an observer uses, with a saved observation and
// incident so that their own pages exist too.
func (e *env) observerPages(p *phone) []obsPage {
	e.t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Minute)
	o := report.Observation{ElectionID: e.el.ID, ClientID: "fixture-obs-1", StationID: e.stations[0].ID, Station: e.stations[0],
		Phase: report.PhaseOpening, State: report.StateSubmitted, Assessment: report.Assessments[0], ArrivedAt: &now,
		ObserverID: e.obs.ObserverID, UserID: e.obs.ID, Answers: map[string]report.Answer{}}
	oid, _, err := e.store.SaveObservation(ctx, o, e.obs)
	must(e.t, err, "saving a fixture observation")
	in := report.Incident{ElectionID: e.el.ID, ClientID: "fixture-inc-1", StationID: e.stations[0].ID, Station: e.stations[0],
		Phase: report.PhaseVoting, Category: "carousel_voting", OccurredAt: now, Witnessed: true, UserID: e.obs.ID,
		ObserverID: e.obs.ObserverID, Description: "Buses brought the same group of voters twice."}
	iid, _, err := e.store.SaveIncident(ctx, in, e.obs)
	must(e.t, err, "saving a fixture incident")
	return []obsPage{
		{"my", "/my"},
		{"opening-form", "/observations/new?phase=opening"},
		{"voting-form", "/observations/new?phase=voting"},
		{"counting-form", "/observations/new?phase=counting"},
		{"tabulation-form", "/observations/new?phase=tabulation"},
		{"incident-form", "/incidents/new?category=ballot_stuffing"},
		{"observation", fmt.Sprintf("/observations/%d", oid)},
		{"incident", fmt.Sprintf("/incidents/%d/edit", iid)},
		{"offline", "/offline"},
	}
}
