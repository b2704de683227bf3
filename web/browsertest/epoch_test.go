//go:build browser

package browsertest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/web"
)

// After a takeover (a new Observer-Epoch) the phone sends again what the server
// acknowledged. The standby's replica had the first incident but not its photo,
// and none of what came after it: a counting form and an incident filed from it,
// with a photo. The phone sends each record again by its client_id; the standby
// takes the lost ones anew under new ids, the incident naming the form's new id,
// and each photo goes to the id the record's answer named. The observer sees only
// a short notice.
func TestOutboxResendsOnNewEpoch(t *testing.T) {
	e := newEnv(t)
	b := browser(t)
	photo := testPhoto(t, 800, 600)
	photo2 := testPhoto(t, 640, 480)
	photo3 := testPhoto(t, 720, 540)

	obs := e.phone(b, "epoch")
	errs := obs.consoleErrors()
	obs.login(observer)
	obs.waitFor("My work", `location.pathname === "/my"`, 10*time.Second)

	// A: an incident with a photo; the replica will have the record, not the photo.
	obs.open("/incidents/new")
	obs.waitFor("the incident form", `!!document.querySelector("select#category")`, 10*time.Second)
	clientA := eval[string](obs, `document.querySelector("input[name=client_id]").value`)
	obs.fillIncident("ballot_stuffing", "voting", "Ballots put into box 2 in a stack.", photo, false)
	obs.do(chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)))
	obs.waitFor("the report sent", `location.pathname === "/my"`, 30*time.Second)
	obs.waitFor("the sent report kept with its photo", fmt.Sprintf(`observerOutbox.get(%q).then(r => !!r && r.status === "sent" && r.files.some(f => !!f.blob))`, clientA), 10*time.Second)
	inA := e.incidentsByClientID(clientA)
	if len(inA) != 1 || len(e.evidence(inA[0].ID)) != 1 {
		t.Fatalf("incident A: %+v", inA)
	}
	shaA := e.evidence(inA[0].ID)[0].SHA256
	replica := filepath.Join(t.TempDir(), "replica.db")
	must(t, e.store.Backup(context.Background(), replica), "the replica's copy")

	// C and D, after the replica's last position: lost with the primary.
	obs.open("/observations/new?phase=counting")
	obs.waitFor("the counting form", `!!document.querySelector("form input[name=client_id]")`, 10*time.Second)
	clientC := eval[string](obs, `document.querySelector("input[name=client_id]").value`)
	obs.fillCountingForm()
	obs.do(chromedp.Click(chromedp.CSS(`button[name=action][value=submit]`)))
	obs.waitFor("the form saved, or its protocol warnings", `/^\/observations\/\d+$/.test(location.pathname) || !!document.querySelector("[data-testid=check-warnings]")`, 20*time.Second)
	if eval[bool](obs, `!!document.querySelector("[data-testid=check-warnings]")`) {
		obs.do(chromedp.Click(chromedp.CSS(`button[name=action][value=submit]`)))
		obs.waitFor("the form saved", `/^\/observations\/\d+$/.test(location.pathname)`, 20*time.Second)
	}
	oldC := e.observationByClientID(clientC).ID
	obs.open(fmt.Sprintf("/incidents/new?observation=%d", oldC))
	obs.waitFor("the incident form", `!!document.querySelector("select#category")`, 10*time.Second)
	clientD := eval[string](obs, `document.querySelector("input[name=client_id]").value`)
	obs.fillIncident("protocol_copy_denied", "counting", "The chair refused to hand over a copy of the protocol.", photo2, false)
	obs.do(chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)))
	obs.waitFor("back at the form", fmt.Sprintf(`location.pathname === "/observations/%d"`, oldC), 30*time.Second)
	oldD := e.incidentsByClientID(clientD)
	if len(oldD) != 1 || oldD[0].ObservationID != oldC || len(e.evidence(oldD[0].ID)) != 1 {
		t.Fatalf("incident D before the loss: %+v", oldD)
	}
	shaD := e.evidence(oldD[0].ID)[0].SHA256

	// E, also lost: an incident with a photo, then corrected. Its answer led to My
	// work, so the phone never learned its id; the correction names that id.
	obs.open("/incidents/new")
	obs.waitFor("the incident form", `!!document.querySelector("select#category")`, 10*time.Second)
	clientE := eval[string](obs, `document.querySelector("input[name=client_id]").value`)
	obs.fillIncident("observer_restricted", "voting", "Kept behind the tape.", photo3, false)
	obs.do(chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)))
	obs.waitFor("the report sent", `location.pathname === "/my"`, 30*time.Second)
	oldE := e.incidentsByClientID(clientE)
	if len(oldE) != 1 || len(e.evidence(oldE[0].ID)) != 1 {
		t.Fatalf("incident E before the loss: %+v", oldE)
	}
	shaE := e.evidence(oldE[0].ID)[0].SHA256
	obs.open(fmt.Sprintf("/incidents/%d/edit", oldE[0].ID))
	obs.waitFor("the edit form", `!!document.getElementById("description")`, 10*time.Second)
	eval[bool](obs, `(() => { document.getElementById("description").value = "Kept behind the tape, three metres from the table."; return true; })()`)
	obs.do(chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)))
	obs.waitFor("the correction sent", `location.pathname === "/my"`, 30*time.Second)

	// The primary is lost; the standby serves the replica's copy in a new epoch.
	e.takeOver(replica)
	obs.open("/my")
	// Nothing goes at once: each re-check waits its turn within three minutes.
	obs.waitFor("the five kept reports to re-check", `observerOutbox.all().then(rs => {
		const r = rs.filter(r => r.status === "recheck");
		return r.length === 5 && r.every(r => r.phase === "record" && r.next - Date.now() <= 3 * 60 * 1000);
	})`, 30*time.Second)
	// The test does not wait the minutes: it makes the re-checks due, as time would.
	obs.waitFor("the re-checks done", dueNow+`.then(() => observerOutbox.all()).then(rs =>
		rs.length === 5 && rs.every(r => r.status === "sent" && !!r.rechecked))`, 90*time.Second)
	obs.waitFor("the re-checked notice", `[...document.querySelectorAll(".flash")].some(f => f.textContent.includes("Re-checked with the server"))`, 30*time.Second)
	obs.shot("epoch-rechecked")
	if got := eval[bool](obs, `!document.querySelector(".offline-badge") || document.querySelector(".offline-badge").hidden`); !got {
		t.Error("the offline badge shows something waiting after the re-check")
	}

	// A: the same record, its photo back.
	if in := e.incidentsByClientID(clientA); len(in) != 1 || in[0].ID != inA[0].ID {
		t.Fatalf("incident A after the re-check: %+v (was %d)", in, inA[0].ID)
	}
	e.hasFile(inA[0].ID, shaA)
	// C and D: taken anew, above the new epoch's floor, D naming C's new id and
	// its photo on D's new id (where the phone sent it).
	newC := e.observationByClientID(clientC).ID
	newD := e.incidentsByClientID(clientD)
	if newC == oldC || newC < 2_000_000 {
		t.Fatalf("form C: id %d after the takeover (was %d), want a new one ≥ 2,000,000", newC, oldC)
	}
	if len(newD) != 1 || newD[0].ID == oldD[0].ID || newD[0].ObservationID != newC {
		t.Fatalf("incident D after the takeover: %+v, want a new id naming form %d", newD, newC)
	}
	e.hasFile(newD[0].ID, shaD)
	if to := eval[string](obs, fmt.Sprintf(`observerOutbox.get(%q).then(r => r.filesTo)`, clientD)); to != fmt.Sprintf("/incidents/%d/evidence", newD[0].ID) {
		t.Errorf("D's photo went to %q, want incident %d's", to, newD[0].ID)
	}
	// E: taken anew, its photo on the new id, then corrected there.
	newE := e.incidentsByClientID(clientE)
	if len(newE) != 1 || newE[0].ID == oldE[0].ID || newE[0].ID < 2_000_000 || newE[0].Description != "Kept behind the tape, three metres from the table." {
		t.Fatalf("incident E after the takeover: %+v, want a new id with the corrected text", newE)
	}
	e.hasFile(newE[0].ID, shaE)
	obs.noConsoleErrors(errs)
}

// dueNow makes the phone's waiting re-checks due and sends them, as the minutes of
// the spread would: the test changes the phone's saved state, not the product.
const dueNow = `new Promise((ok, fail) => {
	const q = indexedDB.open("observer-offline", 1);
	q.onerror = () => fail(q.error);
	q.onsuccess = () => {
		const t = q.result.transaction("outbox", "readwrite"), s = t.objectStore("outbox");
		s.getAll().onsuccess = ev => ev.target.result.filter(r => r.status === "recheck").forEach(r => { r.next = 0; s.put(r); });
		t.oncomplete = () => { q.result.close(); ok(true); };
		t.onerror = () => fail(t.error);
	};
}).then(() => observerOutbox.flush(false))`

// takeOver serves, from now on, the database copy at db (what the replica held
// when the primary was lost) as serve does after a takeover: the key folder
// copied once, no evidence files yet, a new epoch.
func (e *env) takeOver(db string) {
	e.t.Helper()
	ctx := context.Background()
	data := filepath.Join(filepath.Dir(db), "standby-data")
	must(e.t, os.MkdirAll(data, 0o700), "the standby's data folder")
	for _, k := range []string{"personal-data.key", "signing.key"} {
		b, err := os.ReadFile(filepath.Join(e.store.DataDir(), k))
		must(e.t, err, "reading %s", k)
		must(e.t, os.WriteFile(filepath.Join(data, k), b, 0o600), "copying %s", k)
	}
	st, err := storage.Open(ctx, storage.Options{Path: db, DataDir: data, Now: e.now})
	must(e.t, err, "opening the standby's database")
	e.t.Cleanup(func() { st.Close() })
	_, err = st.NewEpoch(ctx, "browser test: takeover")
	must(e.t, err, "a new epoch")
	srv, err := web.New(web.Config{BaseURL: "http://127.0.0.1"}, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	must(e.t, err, "the standby's server")
	h := http.Handler(srv.Handler())
	e.store = st
	e.srv.Store(&h)
}

// hasFile checks that the incident holds the file with that SHA-256, whole.
func (e *env) hasFile(incidentID int64, sha string) {
	e.t.Helper()
	ev := e.evidence(incidentID)
	if len(ev) != 1 || ev[0].SHA256 != sha {
		e.t.Fatalf("incident %d's files: %+v, want the one with SHA-256 %s", incidentID, ev, sha)
	}
	f, err := os.Open(e.store.BlobPath(sha))
	must(e.t, err, "the file of incident %d", incidentID)
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	if hex.EncodeToString(h.Sum(nil)) != sha {
		e.t.Fatalf("incident %d's file does not match its SHA-256", incidentID)
	}
}
