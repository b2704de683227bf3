package alert

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// Alerts are at least once across a crash. A crash is the store closed where the
// process would have died: what was committed is all that is left (each commit is
// on disk before Write returns), then a new store and sender start on the same
// files, later, as a restarted server would.

// restart opens the crashed fixture's database again with clocks later by after,
// and a sender on it.
func (f *fixture) restart(after time.Duration) (*storage.Store, *Sender) {
	f.t.Helper()
	later := func() time.Time { return time.Now().Add(after) }
	st, err := storage.Open(context.Background(), storage.Options{Path: f.st.Path(), DataDir: f.st.DataDir(), Now: later})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { st.Close() })
	return st, &Sender{Store: st, BaseURL: f.sender.BaseURL, Log: f.sender.Log, Tr: f.sender.Tr, Now: later}
}

func (f *fixture) subscribeByTelegram(u report.User, chatID int64) {
	f.t.Helper()
	ctx := context.Background()
	tok, err := f.st.CreateTelegramLinkToken(ctx, u, "en")
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.LinkTelegram(ctx, tok, chatID, chatID); err != nil {
		f.t.Fatal(err)
	}
	if err := f.st.SaveAlertSubscription(ctx, report.AlertSubscription{UserID: u.ID, Categories: report.DefaultAlertCategories,
		ByTelegram: true}, "en", u); err != nil {
		f.t.Fatal(err)
	}
}

func sentAbout(msgs []botSent, incident int64) int {
	n := 0
	for _, m := range msgs {
		if strings.Contains(m.text, fmt.Sprintf("#%d", incident)) {
			n++
		}
	}
	return n
}

// An incident recorded just before the crash, before any round saw it, is alerted
// after the restart, even hours later.
func TestAlertDecidedBeforeACrashIsSentAfterRestart(t *testing.T) {
	for _, after := range []time.Duration{0, 3 * time.Hour} {
		t.Run(fmt.Sprint("restart after ", after), func(t *testing.T) {
			f := newFixture(t)
			f.subscribeByTelegram(f.coordA, 9001)
			f.round() // the sender has run before: this is not a first start
			id := f.incident(f.stA, "ballot_stuffing")
			f.st.Close() // the crash

			_, sender := f.restart(after)
			if err := sender.Round(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := sentAbout(f.bot.messages(), id); n != 1 {
				t.Fatalf("incident #%d alerted %d times after the restart, want 1: %+v", id, n, f.bot.messages())
			}
			if err := sender.Round(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := sentAbout(f.bot.messages(), id); n != 1 {
				t.Fatalf("incident #%d alerted %d times after two rounds, want 1", id, n)
			}
		})
	}
}

// An alert queued in the outbox but not sent when the process died goes out after
// the restart.
func TestAlertQueuedBeforeACrashIsSentAfterRestart(t *testing.T) {
	f := newFixture(t)
	f.subscribeByTelegram(f.coordA, 9001)
	f.round()
	id := f.incident(f.stA, "observer_removed")
	if n, err := f.st.EnqueueAlerts(context.Background(), f.sender.BaseURL); err != nil || n != 1 {
		t.Fatalf("queued %d, %v", n, err)
	}
	f.st.Close() // dies before sending

	st, sender := f.restart(time.Minute)
	if err := sender.Round(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := sentAbout(f.bot.messages(), id); n != 1 {
		t.Fatalf("incident #%d alerted %d times, want 1", id, n)
	}
	if due, err := st.DueAlerts(context.Background(), time.Now().Add(time.Hour), 10); err != nil || len(due) != 0 {
		t.Fatalf("still due after sending: %+v %v", due, err)
	}
}

// The process dies mid-send: Telegram has the message, the outbox does not know.
// After the restart it goes again (at least once: a duplicate, never a loss), and
// then never again. The alert is marked sent only after the channel took it, so a
// send that fails is retried, and one that succeeds is repeated only by a crash in
// this gap.
func TestAlertSentWhenTheProcessDiedIsSentAgain(t *testing.T) {
	f := newFixture(t)
	f.subscribeByTelegram(f.coordA, 9001)
	f.round()
	// A Bot API that takes the message, then the process dies before it hears back.
	var once sync.Once
	died := make(chan struct{})
	dying := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.bot.Config.Handler.ServeHTTP(w, r)
		once.Do(func() { f.st.Close(); close(died) })
	}))
	defer dying.Close()
	if err := f.st.SaveSettings(context.Background(), map[string]string{storage.SettingTelegramAPI: dying.URL}, report.User{}); err != nil {
		t.Fatal(err)
	}
	id := f.incident(f.stA, "observer_detained")
	err := f.sender.Round(context.Background())
	<-died
	if err == nil {
		t.Log("the round ended without noticing the store had gone")
	}
	if n := sentAbout(f.bot.messages(), id); n != 1 {
		t.Fatalf("before the crash Telegram got %d alerts, want 1", n)
	}

	st, sender := f.restart(time.Minute)
	if err := st.SaveSettings(context.Background(), map[string]string{storage.SettingTelegramAPI: f.bot.URL}, report.User{}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := sender.Round(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := sentAbout(f.bot.messages(), id); n != 2 {
		t.Fatalf("incident #%d alerted %d times in all, want 2 (once before the crash, once after)", id, n)
	}
	entries, err := st.AuditLog(context.Background(), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	audited := 0
	for _, e := range entries {
		if e.Action == report.AuditAlert {
			audited++
		}
	}
	if audited != 1 {
		t.Errorf("%d alerts audited as sent, want 1 (the send whose success was recorded)", audited)
	}
}

// A first start on a database with history alerts only the last hour's incidents.
func TestFirstStartDoesNotAlertHistory(t *testing.T) {
	f := newFixture(t)
	f.subscribeByTelegram(f.coordA, 9001)
	old := f.incident(f.stA, "ballot_stuffing")
	f.st.Close()
	// The server first starts two hours after that incident was recorded.
	st, sender := f.restart(2 * time.Hour)
	if err := sender.Round(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := sentAbout(f.bot.messages(), old); n != 0 {
		t.Fatalf("an incident of two hours before the first start was alerted")
	}
	id, _, err := st.SaveIncident(context.Background(), report.Incident{ElectionID: f.el.ID, ClientID: "after-start",
		StationID: f.stA.ID, Station: f.stA, Phase: report.PhaseVoting, Category: "ballot_stuffing",
		OccurredAt: time.Now().Add(2 * time.Hour), Witnessed: true, Description: "seen"}, f.observer)
	if err != nil {
		t.Fatal(err)
	}
	if err := sender.Round(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := sentAbout(f.bot.messages(), id); n != 1 {
		t.Fatalf("the first incident after the start alerted %d times", n)
	}
}
