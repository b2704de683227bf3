//go:build browser

package browsertest

import (
	"testing"
	"time"
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
