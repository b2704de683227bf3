//go:build browser

package browsertest

import (
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// A page that was never opened on the phone shows the offline page, with the
// queue, instead of the browser's own error.
func TestOfflineFallbackPage(t *testing.T) {
	e := newEnv(t)
	b := browser(t)
	p := e.phone(b, "fallback")
	p.login(observer)
	p.open("/offline")
	p.serviceWorkerReady()
	p.offline(true)
	p.open("/never-visited")
	p.waitFor("the offline page", `!!document.querySelector("[data-offline-queue]")`, 10*time.Second)
	p.waitFor("the offline badge", `(document.querySelector(".offline-badge")||{}).hidden === false`, 10*time.Second)
	p.shot("offline-page")
	p.offline(false)
}

// With JavaScript off the forms post the ordinary way: an incident with a photo is
// saved, and nothing of the offline queue gets in the way.
func TestFormsWorkWithoutJavaScript(t *testing.T) {
	e := newEnv(t)
	b := browser(t)
	p := e.phone(b, "nojs")
	_, err := chromedp.Call(p.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	must(t, err, "turning JavaScript off")
	p.login(observer)
	p.open("/incidents/new?category=carousel_voting")
	id, err := chromedp.Run(p.ctx, chromedp.Value(chromedp.CSS(`input[name=client_id]`)))
	must(t, err, "reading the client_id")
	p.do(
		chromedp.Click(chromedp.CSS(`label:has(> input[name=phase][value=voting])`)),
		chromedp.SendKeys(chromedp.ID("description"), "Two buses brought the same voters back."),
		chromedp.SetUploadFiles(chromedp.ID("evidence"), []string{testPhoto(t, 800, 600)}),
	)
	if n, _ := chromedp.Run(p.ctx, chromedp.Nodes(chromedp.CSS(".offline-shrink"), chromedp.AtLeast(0))); len(n) != 0 {
		t.Error("the offline queue's controls appear with JavaScript off")
	}
	p.shot("incident-form")
	p.do(chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)))
	p.waitFor("the redirect to My work", `location.pathname === "/my"`, 20*time.Second)
	p.shot("saved")
	in := e.incidentsByClientID(id)
	if len(in) != 1 || in[0].EvidenceCount != 1 || in[0].Phase != "voting" {
		t.Fatalf("incident filed without JavaScript: %+v", in)
	}
}
