package web

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// intake.md: a message from an unknown sender is kept in the inbox, never
// dropped. On Telegram the unknown sender is a user no account is linked to:
// their text is kept as an unknown sender's and answered with how to link;
// commands are not messages and are not kept.
func TestTelegramUnlinkedTextKeptInInbox(t *testing.T) {
	f := newTelegramFixture(t)
	ctx := context.Background()
	const stranger = int64(6060)
	f.deliver(tgText(1, stranger, "/report"))
	f.deliver(tgText(2, stranger, "071-023 !1 нас выгнали с участка"))
	if txt, _ := f.last(); !strings.Contains(txt, "не привязан") {
		t.Fatalf("a stranger's text answered %q, want the Russian 'not linked' answer", txt)
	}
	f.deliver(tgText(2, stranger, "071-023 !1 нас выгнали с участка")) // delivered again
	inbox, err := f.h.store.Inbox(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(inbox) != 1 || inbox[0].Text != "071-023 !1 нас выгнали с участка" || inbox[0].Status != storage.MsgUnknownSender ||
		inbox[0].Channel != storage.ChannelTelegram {
		t.Fatalf("inbox %+v", inbox)
	}
	if n := len(f.incidents()); n != 0 {
		t.Errorf("%d incidents from a stranger", n)
	}
	// Kept without the Telegram user's id in clear.
	raw := rawDB(t, f.h.store)
	defer raw.Close()
	var sender []byte
	if err := raw.QueryRow("SELECT sender FROM messages WHERE id = ?", inbox[0].ID).Scan(&sender); err != nil ||
		strings.Contains(string(sender), strconv.FormatInt(stranger, 10)) {
		t.Errorf("the sender is stored in clear: %v", err)
	}
}

// intake.md: a message goes to its sender's election, the one held today, else
// the latest; a Telegram text as an SMS would. Here a second election is held
// today too and was created last, but the observer works only in the first: the
// text and the guided report go to the first.
func TestTelegramSenderElection(t *testing.T) {
	f := newTelegramFixture(t)
	ctx := context.Background()
	other, err := f.h.store.CreateElection(ctx, "kz-other", "Other election", time.Now().Format("2006-01-02"), "", report.User{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.h.store.ImportStations(ctx, other, []report.StationRecord{
		{Code: "071-023", Name: "No. 23 bis", Region: "Almaty", RegionCode: "ALA", Timezone: "Asia/Almaty"},
	}, report.User{}); err != nil {
		t.Fatal(err)
	}
	const me = int64(7070)
	f.deliver(tgText(1, me, "/start "+f.linkToken(f.obs)))
	f.deliver(tgText(2, me, "071-023 !3 автобус"))
	incs := f.incidents()
	if len(incs) != 1 || incs[0].StationID != f.stA.ID {
		t.Fatalf("the observer's election has %+v", incs)
	}
	f.deliver(tgText(3, me, "/report"))
	if _, kb := f.last(); !strings.Contains(kb, "st:"+strconv.FormatInt(f.stA.ID, 10)) {
		t.Fatalf("the report's station buttons %s miss the observer's station", kb)
	}
	flow, _, err := f.h.store.TelegramFlowOf(ctx, me)
	if err != nil || flow.ElectionID != f.el.ID {
		t.Fatalf("the report goes to election %d, want %d (%v)", flow.ElectionID, f.el.ID, err)
	}
	// A station typed with look-alike letters is found, as in a coded message.
	f.deliver(tgText(4, me, "О71-О23"))
	if flow, _, _ := f.h.store.TelegramFlowOf(ctx, me); flow.StationID != f.stA.ID || flow.Step != "category" {
		t.Fatalf("typed look-alike station: %+v", flow)
	}
}

// intake.md: answers are in the account's language; without one, the observers
// CSV's; else Russian. Telegram's own language setting is none of these.
func TestTelegramAnswerLanguage(t *testing.T) {
	f := newTelegramFixture(t)
	const me = int64(8080)
	f.deliver(tgText(1, me, "/start "+f.linkToken(f.obs))) // linked from a Kazakh page
	f.deliver(tgText(2, me, "071-023 #0"))
	if txt, _ := f.last(); !strings.Contains(txt, "учаскедесіз") {
		t.Fatalf("the account's language (kk): %q", txt)
	}
	raw := rawDB(t, f.h.store)
	defer raw.Close()
	if _, err := raw.Exec("UPDATE users SET lang = '' WHERE id = ?", f.obs.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("UPDATE observers SET language = 'en' WHERE id = ?", f.obs.ObserverID); err != nil {
		t.Fatal(err)
	}
	f.deliver(tgText(3, me, "071-023 #9")) // Telegram says the user's language is ru
	if txt, _ := f.last(); !strings.Contains(txt, "checked out") {
		t.Fatalf("the observers CSV's language (en): %q", txt)
	}
}
