package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

const (
	tgToken  = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
	tgSecret = "s3cr3t-webhook_token"
)

type tgFixture struct {
	t     *testing.T
	h     *harness
	bot   *fakeBotAPI
	url   string // the webhook, on the current server
	el    report.Election
	obs   report.User
	stA   report.Station
	coord report.User
}

func newTelegramFixture(t *testing.T) *tgFixture {
	t.Helper()
	h := newHarness(t)
	ctx := context.Background()
	f := &tgFixture{t: t, h: h, bot: newFakeBotAPI(t, tgToken), url: h.ts.URL + "/intake/telegram"}
	var err error
	if f.el, err = h.store.CreateElection(ctx, "kz-tg", "Telegram election", time.Now().Format("2006-01-02"), "", report.User{}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.ImportStations(ctx, f.el, []report.StationRecord{
		{Code: "071-023", Name: "No. 23", Region: "Almaty", RegionCode: "ALA", Timezone: "Asia/Almaty"},
		{Code: "011-001", Name: "No. 1", Region: "Astana", RegionCode: "AST", Timezone: "Asia/Almaty"},
	}, report.User{}); err != nil {
		t.Fatal(err)
	}
	f.stA, _ = h.store.StationByCode(ctx, f.el.ID, "071-023")
	f.obs = h.user(report.RoleObserver, "tg-obs", "ALA")
	f.coord = h.user(report.RoleCoordinator, "tg-coord", "AST")
	if err := h.store.Write(ctx, func(tx *storage.Tx) error {
		_, err := storage.SetAssignments(tx, f.obs.ObserverID, f.el.ID, []int64{f.stA.ID}, report.User{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := h.store.SaveSettings(ctx, map[string]string{storage.SettingTelegramToken: tgToken, storage.SettingTelegramSecret: tgSecret,
		storage.SettingTelegramUsername: "observer_test_bot", storage.SettingTelegramAPI: f.bot.URL}, report.User{}); err != nil {
		t.Fatal(err)
	}
	return f
}

// post delivers an update as Telegram does.
func (f *tgFixture) post(secret, body string) int {
	f.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (f *tgFixture) deliver(body string) {
	f.t.Helper()
	if code := f.post(tgSecret, body); code != http.StatusOK {
		f.t.Fatalf("update answered %d, want 200: %s", code, body)
	}
}

// last is the text of the last message the bot sent, and its buttons' data.
func (f *tgFixture) last() (string, string) {
	f.t.Helper()
	s := f.bot.sent()
	if len(s) == 0 {
		f.t.Fatal("the bot sent nothing")
	}
	return s[len(s)-1].form["text"], s[len(s)-1].form["reply_markup"]
}

// linkToken signs u in, asks for a Telegram link and returns its token.
func (f *tgFixture) linkToken(u report.User) string {
	f.t.Helper()
	c := f.h.client()
	c.login(u.Login)
	c.get("/lang?to=kk&back=/")
	_, page := c.get("/account/alerts")
	if u.Role == report.RoleObserver {
		_, page = c.get("/my")
	}
	_ = page
	resp, body := c.post("/account/telegram", nil)
	if resp.StatusCode != http.StatusOK {
		f.t.Fatalf("link page answered %d", resp.StatusCode)
	}
	m := regexp.MustCompile(`https://t\.me/observer_test_bot\?start=([A-Za-z0-9_-]+)`).FindStringSubmatch(body)
	if m == nil {
		f.t.Fatalf("no deep link on the page:\n%s", body)
	}
	if !strings.Contains(body, "data:image/svg+xml;base64,") {
		f.t.Error("no QR code on the link page")
	}
	return m[1]
}

func (f *tgFixture) incidents() []report.Incident {
	f.t.Helper()
	list, err := f.h.store.Incidents(context.Background(), report.IncidentFilter{ElectionID: f.el.ID, Limit: 100})
	if err != nil {
		f.t.Fatal(err)
	}
	return list
}

func TestTelegramWebhookNeedsTheSecret(t *testing.T) {
	f := newTelegramFixture(t)
	for _, secret := range []string{"", "wrong", tgSecret + "x"} {
		if code := f.post(secret, tgText(1, 42, "/start abc")); code != http.StatusUnauthorized {
			t.Errorf("secret %q: answered %d, want 401", secret, code)
		}
	}
	if n := len(f.bot.sent()); n != 0 {
		t.Errorf("the bot answered %d unauthenticated updates", n)
	}
	for _, body := range []string{"", "{", `{"update_id":0}`, `[1,2]`, strings.Repeat(" ", 300<<10) + "{}"} {
		if code := f.post(tgSecret, body); code < 400 || code >= 500 {
			t.Errorf("body %.20q: answered %d, want a 4xx", body, code)
		}
	}
	if seen, _ := f.h.store.TelegramUpdateSeen(context.Background(), 1); seen {
		t.Error("a refused update was recorded")
	}
}

func TestTelegramGuidedReportEndToEnd(t *testing.T) {
	f := newTelegramFixture(t)
	ctx := context.Background()
	const me = int64(4242)

	// Not linked yet: told how to link, nothing recorded.
	f.deliver(tgText(100, me, "/report"))
	if txt, _ := f.last(); !strings.Contains(txt, "не привязан") {
		t.Fatalf("unlinked user got %q, want the Russian 'not linked' answer", txt)
	}

	token := f.linkToken(f.obs)
	f.deliver(tgText(101, me, "/start "+token))
	if txt, _ := f.last(); !strings.Contains(txt, "tg-obs") {
		t.Fatalf("linking answered %q", txt)
	}
	// The link was made on a Kazakh page: the bot speaks Kazakh from now on.
	sentBefore := len(f.bot.sent())
	f.deliver(tgText(101, me, "/start "+token)) // Telegram delivers again
	if len(f.bot.sent()) != sentBefore {
		t.Fatal("a re-delivered update was handled twice")
	}
	// The token is spent: someone else cannot use it.
	f.deliver(tgText(102, 9999, "/start "+token))
	if txt, _ := f.last(); !strings.Contains(txt, "мерзімі өткен") && !strings.Contains(txt, "устарела") {
		t.Fatalf("a spent token answered %q", txt)
	}
	if u, err := f.h.store.TelegramAccount(ctx, 9999); err == nil {
		t.Fatalf("a spent token linked %s", u.Login)
	}

	f.deliver(tgText(103, me, "/report"))
	txt, kb := f.last()
	if !strings.Contains(kb, "st:"+strconv.FormatInt(f.stA.ID, 10)) || !strings.Contains(txt, "учаске") {
		t.Fatalf("station question %q, buttons %s", txt, kb)
	}
	// A station out of scope or unknown, typed: refused, still at the station step.
	f.deliver(tgText(104, me, "999-999"))
	if txt, _ := f.last(); !strings.Contains(txt, "999-999") {
		t.Fatalf("unknown station answered %q", txt)
	}
	f.deliver(tgButton(105, me, "st:"+strconv.FormatInt(f.stA.ID, 10)))
	if _, kb := f.last(); !strings.Contains(kb, "cat:carousel_voting") || !strings.Contains(kb, `"more"`) {
		t.Fatalf("category buttons %s", kb)
	}
	f.deliver(tgButton(106, me, "more"))
	if _, kb := f.last(); !strings.Contains(kb, "cat:vote_buying") {
		t.Fatalf("'more' shows %s", kb)
	}
	f.deliver(tgButton(107, me, "cat:no_such_category"))
	f.deliver(tgButton(108, me, "cat:carousel_voting"))
	if _, kb := f.last(); !strings.Contains(kb, "seen:0") {
		t.Fatalf("seen buttons %s", kb)
	}

	// The server restarts: the conversation goes on where it was.
	srv2, err := New(Config{BaseURL: "http://test"}, f.h.store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts2 := httptest.NewServer(srv2.Handler())
	defer ts2.Close()
	f.url = ts2.URL + "/intake/telegram"

	f.deliver(tgButton(109, me, "seen:0"))
	f.deliver(tgText(110, me, "Студенттерді автобуспен әкелді"))
	incs := f.incidents()
	if len(incs) != 1 {
		t.Fatalf("%d incidents after the description, want 1", len(incs))
	}
	in := incs[0]
	if in.Category != "carousel_voting" || in.Witnessed || in.StationID != f.stA.ID || in.UserID != f.obs.ID ||
		in.Description != "Студенттерді автобуспен әкелді" || in.ClientID != "tg-110" {
		t.Fatalf("recorded %+v", in)
	}
	if txt, kb := f.last(); !strings.Contains(txt, "#"+strconv.FormatInt(in.ID, 10)) && !strings.Contains(txt, "№"+strconv.FormatInt(in.ID, 10)) || !strings.Contains(kb, `"done"`) {
		t.Fatalf("after recording: %q %s", txt, kb)
	}
	// The same update again (Telegram retried): no second incident.
	f.deliver(tgText(110, me, "Студенттерді автобуспен әкелді"))
	if n := len(f.incidents()); n != 1 {
		t.Fatalf("%d incidents after a re-delivery, want 1", n)
	}
	// The description is kept as the message the incident was made from, once,
	// with the observer's code and never the Telegram user's id.
	snap, err := f.h.store.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []report.IntakeMessage
	err = snap.EachMessage(ctx, f.el.ID, func(m report.IntakeMessage) error { msgs = append(msgs, m); return nil })
	snap.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Channel != "telegram" || msgs[0].MessageID != "110" || msgs[0].Text != in.Description ||
		len(msgs[0].IncidentIDs) != 1 || msgs[0].IncidentIDs[0] != in.ID || msgs[0].Observer == "" || msgs[0].Status != "accepted" {
		t.Fatalf("the guided report's messages: %+v", msgs)
	}

	// A photo: fetched by getFile and kept by its SHA-256, noted as recompressed.
	photo := smallJPEG(t, 90)
	f.bot.files["ph1"] = photo
	f.deliver(tgPhoto(111, me, "ph1"))
	sum := sha256.Sum256(photo)
	ev, err := f.h.store.IncidentEvidence(ctx, in.ID, hex.EncodeToString(sum[:]))
	if err != nil {
		t.Fatalf("the photo is not evidence of the incident: %v", err)
	}
	if !strings.Contains(ev.OriginalName, "recompressed") {
		t.Errorf("the photo's evidence does not say Telegram recompressed it: %q", ev.OriginalName)
	}
	// A document over the Bot API's 20 MB: refused before any download.
	f.bot.files["big"] = []byte("x")
	f.bot.sizes["big"] = 30 << 20
	getFiles := f.bot.count("getFile")
	f.deliver(tgDocument(112, me, "big", "video.mp4", 30<<20))
	if f.bot.count("getFile") != getFiles {
		t.Error("a file announced at 30 MB was fetched")
	}
	if txt, _ := f.last(); !strings.Contains(txt, "MB") {
		t.Errorf("too large a file answered %q", txt)
	}

	f.deliver(tgButton(113, me, "done"))
	if txt, _ := f.last(); !strings.HasPrefix(txt, "OK #"+strconv.FormatInt(in.ID, 10)+": 071-023") {
		t.Fatalf("the end answered %q", txt)
	}
	// After done, buttons of the flow do nothing.
	f.deliver(tgButton(114, me, "seen:1"))
	if n := len(f.incidents()); n != 1 {
		t.Fatalf("%d incidents, want 1", n)
	}
	if _, err := f.h.store.VerifyAuditChain(ctx); err != nil {
		t.Fatal(err)
	}
}

// A region coordinator's report cannot name a station outside their region, even by
// a forged button.
func TestTelegramStationOutsideScope(t *testing.T) {
	f := newTelegramFixture(t)
	const me = int64(777)
	f.deliver(tgText(1, me, "/start "+f.linkToken(f.coord)))
	f.deliver(tgText(2, me, "/report"))
	f.deliver(tgButton(3, me, "st:"+strconv.FormatInt(f.stA.ID, 10)))
	if txt, _ := f.last(); !strings.Contains(txt, strconv.FormatInt(f.stA.ID, 10)) {
		t.Fatalf("a station of another region answered %q", txt)
	}
	f.deliver(tgText(4, me, "071-023"))
	if txt, _ := f.last(); !strings.Contains(txt, "071-023") {
		t.Fatalf("a typed station of another region answered %q", txt)
	}
	flow, _, _ := f.h.store.TelegramFlowOf(context.Background(), me)
	if flow.StationID != 0 || flow.Step != "station" {
		t.Fatalf("flow moved on: %+v", flow)
	}
}

// A coded message sent to the bot is read as an SMS would be: the same language,
// records, answers, repeats and inbox.
func TestTelegramCodedText(t *testing.T) {
	f := newTelegramFixture(t)
	ctx := context.Background()
	const me = int64(5151)
	f.deliver(tgText(1, me, "/start "+f.linkToken(f.obs)))
	f.deliver(tgText(2, me, "О71-О23 !3 студентов привезли автобусом"))
	incs := f.incidents()
	if len(incs) != 1 || incs[0].Category != "carousel_voting" || !incs[0].Witnessed || incs[0].StationID != f.stA.ID {
		t.Fatalf("recorded %+v", incs)
	}
	txt, _ := f.last()
	if !strings.Contains(txt, strconv.FormatInt(incs[0].ID, 10)) {
		t.Fatalf("answer %q does not give the record's number", txt)
	}
	// The same text again under a new update id: the same answer, nothing new.
	f.deliver(tgText(3, me, "о71-о23  !3 студентов привезли автобусом"))
	if n := len(f.incidents()); n != 1 {
		t.Fatalf("%d incidents after a repeat, want 1", n)
	}
	if again, _ := f.last(); again != txt {
		t.Errorf("repeat answered %q, want %q", again, txt)
	}
	// A refusal names the token and records nothing.
	f.deliver(tgText(4, me, "071-023 !99 что-то"))
	if txt, _ := f.last(); !strings.Contains(txt, "!99") {
		t.Errorf("refusal %q does not name the token", txt)
	}
	// What cannot be read goes to the inbox.
	f.deliver(tgText(5, me, "помогите нас выгоняют"))
	inbox, err := f.h.store.Inbox(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(inbox) != 1 || inbox[0].Text != "помогите нас выгоняют" {
		t.Fatalf("inbox %+v", inbox)
	}
	if n := len(f.incidents()); n != 1 {
		t.Fatalf("%d incidents, want 1", n)
	}
}
