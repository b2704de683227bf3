//go:build browser

package browsertest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// After a takeover (a new Observer-Epoch) the phone sends again what the server
// acknowledged: the record by its client_id, then its photo, which brings back a
// file the restored server did not have. The observer sees only a short notice.
func TestOutboxResendsOnNewEpoch(t *testing.T) {
	e := newEnv(t)
	b := browser(t)
	photo := testPhoto(t, 800, 600)

	obs := e.phone(b, "epoch")
	errs := obs.consoleErrors()
	obs.login(observer)
	obs.waitFor("My work", `location.pathname === "/my"`, 10*time.Second)
	// Spread the resend over 1.5 s rather than three minutes.
	eval[bool](obs, `localStorage.setItem("observer.resend_spread_ms", "1500"), true`)
	obs.open("/incidents/new")
	obs.waitFor("the incident form", `!!document.querySelector("select#category")`, 10*time.Second)
	clientID := eval[string](obs, `document.querySelector("input[name=client_id]").value`)
	obs.fillIncident("ballot_stuffing", "voting", "Ballots put into box 2 in a stack.", photo, false)
	obs.do(chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)))
	obs.waitFor("the report sent", `location.pathname === "/my"`, 30*time.Second)
	obs.waitFor("the sent report kept with its photo", fmt.Sprintf(`observerOutbox.get(%q).then(r => !!r && r.status === "sent" && r.files.some(f => !!f.blob))`, clientID), 10*time.Second)
	ins := e.incidentsByClientID(clientID)
	if len(ins) != 1 {
		t.Fatalf("%d incidents with client_id %s", len(ins), clientID)
	}
	ev := e.evidence(ins[0].ID)
	if len(ev) != 1 {
		t.Fatalf("%d files on the incident", len(ev))
	}
	// The server is restored from a replica that had the record but not the file,
	// and starts a new epoch.
	path := e.store.BlobPath(ev[0].SHA256)
	must(t, os.Remove(path), "removing the photo as a replica without it would")
	_, err := e.store.NewEpoch(context.Background(), "browser test: restored")
	must(t, err, "a new epoch")

	obs.open("/my")
	obs.waitFor("the re-checked notice", `[...document.querySelectorAll(".flash")].some(f => f.textContent.includes("Re-checked with the server"))`, 30*time.Second)
	obs.waitFor("the photo sent again", fmt.Sprintf(`observerOutbox.get(%q).then(r => !!r && r.status === "sent" && !!r.rechecked)`, clientID), 30*time.Second)
	obs.shot("epoch-rechecked")
	if got := eval[bool](obs, `!document.querySelector(".offline-badge") || document.querySelector(".offline-badge").hidden`); !got {
		t.Error("the offline badge shows something waiting after the re-check")
	}
	f, err := os.Open(path)
	must(t, err, "the photo after the re-check")
	h := sha256.New()
	io.Copy(h, f)
	f.Close()
	if hex.EncodeToString(h.Sum(nil)) != ev[0].SHA256 {
		t.Fatal("the photo sent again does not match")
	}
	if n := len(e.incidentsByClientID(clientID)); n != 1 {
		t.Fatalf("%d incidents after the resend", n)
	}
	obs.noConsoleErrors(errs)
}
