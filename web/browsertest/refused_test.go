//go:build browser

package browsertest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A report filed offline that the server refuses when it finally arrives (here: a
// time in the future, typed without a connection) is shown as not sent, with the
// server's reason; the observer reopens it filled in, with its photo, corrects it,
// and it is saved once.
func TestRefusedReplayIsCorrected(t *testing.T) {
	e := newEnv(t)
	b := browser(t)
	photo := testPhoto(t, 1200, 900)
	obs := e.phone(b, "refused")
	errs := obs.consoleErrors()
	obs.login(observer)
	obs.serviceWorkerReady()
	obs.waitFor("the forms kept on the phone", `caches.open("observer-v1-pages").then(c => c.keys()).then(ks =>
		ks.some(r => new URL(r.url).pathname === "/incidents/new"))`, 20*time.Second)

	obs.offline(true)
	obs.open("/incidents/new")
	obs.waitFor("the incident form, from the phone", `!!document.querySelector("select#category")`, 10*time.Second)
	id := eval[string](obs, `document.querySelector("input[name=client_id]").value`)
	future := time.Now().Add(72 * time.Hour).Format("2006-01-02T15:04")
	eval[bool](obs, fmt.Sprintf(`(() => { document.getElementById("occurred_at").value = %q; return true; })()`, future))
	obs.fillIncident("carousel_voting", "voting", "The same group of voters came back by bus.", photo, false)
	obs.do(chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)))
	obs.waitFor("the queued report", fmt.Sprintf(`location.pathname === "/my" && !!document.querySelector('[data-client-id=%q][data-status=waiting]')`, id), 20*time.Second)

	obs.offline(false)
	obs.waitFor("the refusal", fmt.Sprintf(`!!document.querySelector('[data-client-id=%q][data-status=failed]')`, id), 60*time.Second)
	obs.shot("01-refused")
	// The queue panel and badge, with a refused report in them, are accessible too.
	obs.noAxeViolations(axeIfAvailable(t), "/my with a refused report")
	item := eval[string](obs, fmt.Sprintf(`document.querySelector('[data-client-id=%q]').innerText`, id))
	if !strings.Contains(item, "422") || !strings.Contains(strings.ToLower(item), "future") {
		t.Errorf("the refused report should say why (the server's words): %q", item)
	}
	if badge := eval[string](obs, `document.querySelector(".offline-badge").textContent`); !strings.Contains(badge, "1 not sent") {
		t.Errorf("badge %q", badge)
	}
	if n := len(e.incidentsByClientID(id)); n != 0 {
		t.Fatalf("a refused report was saved %d times", n)
	}

	// Reopen it: everything typed and the photo are back, with the reason.
	obs.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-client-id=%q] a[href*="offline_restore"]`, id))))
	obs.waitFor("the form filled in again", fmt.Sprintf(`!!document.querySelector("select#category") &&
		document.getElementById("occurred_at").value === %q && document.getElementById("evidence").files.length === 1`, future), 15*time.Second)
	got := eval[[]string](obs, `[document.getElementById("category").value, document.getElementById("description").value,
		document.querySelector("input[name=client_id]").value, document.querySelector(".offline-note.error").textContent]`)
	if got[0] != "carousel_voting" || !strings.HasPrefix(got[1], "The same group") || got[2] != id || got[3] == "" {
		t.Errorf("restored form: %q", got)
	}
	obs.shot("02-reopened")
	obs.noAxeViolations(axeIfAvailable(t), "the reopened form")
	past := time.Now().Add(-time.Hour).Format("2006-01-02T15:04")
	eval[bool](obs, fmt.Sprintf(`(() => { document.getElementById("occurred_at").value = %q; return true; })()`, past))
	obs.do(chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)))
	obs.waitFor("saved", `location.pathname === "/my"`, 20*time.Second)
	obs.waitFor("shown as sent", fmt.Sprintf(`!!document.querySelector('[data-client-id=%q][data-status=sent]')`, id), 10*time.Second)
	obs.shot("03-corrected")
	in := e.incidentsByClientID(id)
	if len(in) != 1 || in[0].EvidenceCount != 1 || in[0].Category != "carousel_voting" {
		t.Fatalf("after the correction: %+v", in)
	}
	obs.noConsoleErrors(errs)
}
