package alert

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/web/i18n"
)

type fixture struct {
	t          *testing.T
	st         *storage.Store
	el         report.Election
	observer   report.User
	coordA     report.User
	coordB     report.User
	stA, stB   report.Station
	sender     *Sender
	offset     time.Duration // the sender's clock runs this far ahead of the real one
	smtp       *smtpServer
	bot        *botAPI
	nextClient int
}

const botToken = "123456:TEST-token"

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := storage.Open(ctx, storage.Options{Path: filepath.Join(dir, "t.db"), DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{t: t, st: st, smtp: newSMTPServer(t), bot: newBotAPI(t, botToken)}
	// Election day such that the next two hours fall while its stations are open
	// (07:00 that day to 08:00 the next, Almaty time): the silent-observer alerts need it.
	almaty, _ := time.LoadLocation("Asia/Almaty")
	day := time.Now().Add(2*time.Hour - 8*time.Hour).In(almaty).Format("2006-01-02")
	if f.el, err = st.CreateElection(ctx, "kz-2026", "Test election", day, "", report.User{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportStations(ctx, f.el, []report.StationRecord{
		{Code: "071-023", Name: "No. 23", Region: "Almaty", RegionCode: "ALA", Timezone: "Asia/Almaty"},
		{Code: "011-001", Name: "No. 1", Region: "Astana", RegionCode: "AST", Timezone: "Asia/Almaty"},
	}, report.User{}); err != nil {
		t.Fatal(err)
	}
	f.stA, _ = st.StationByCode(ctx, f.el.ID, "071-023")
	f.stB, _ = st.StationByCode(ctx, f.el.ID, "011-001")
	f.observer = f.user(report.RoleObserver, "obs1", "ALA")
	f.coordA = f.user(report.RoleCoordinator, "coord-a", "ALA")
	f.coordB = f.user(report.RoleCoordinator, "coord-b", "AST")
	if err := st.SaveSettings(ctx, map[string]string{
		storage.SettingMailHost: "127.0.0.1", storage.SettingMailPort: fmt.Sprint(f.smtp.port()),
		storage.SettingMailFrom: "observer@example.org", storage.SettingMailTLS: "none",
		storage.SettingTelegramToken: botToken, storage.SettingTelegramAPI: f.bot.URL,
	}, report.User{}); err != nil {
		t.Fatal(err)
	}
	f.sender = &Sender{Store: st, BaseURL: "https://observer.example.org", Log: slog.New(slog.NewTextHandler(testWriter{t}, nil)),
		Tr: func(l string) report.Translator { return i18n.New(i18n.Match(l)) }, Now: func() time.Time { return time.Now().Add(f.offset) }}
	return f
}

func (f *fixture) user(role report.Role, login, region string) report.User {
	f.t.Helper()
	ctx := context.Background()
	err := f.st.Write(ctx, func(tx *storage.Tx) error {
		var oid int64
		if role == report.RoleObserver {
			var err error
			if oid, err = storage.EnsureObserver(tx, "OBS-"+login, region, report.User{}); err != nil {
				return err
			}
		}
		_, err := storage.CreateUser(tx, storage.NewUser{Login: login, Password: "correct horse battery", Role: role, RegionCode: region, ObserverID: oid}, report.User{})
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	u, err := f.st.UserByLogin(ctx, login)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) incident(st report.Station, category string) int64 {
	f.t.Helper()
	f.nextClient++
	id, _, err := f.st.SaveIncident(context.Background(), report.Incident{ElectionID: f.el.ID, ClientID: fmt.Sprintf("c-%d", f.nextClient),
		StationID: st.ID, Station: st, Phase: report.PhaseVoting, Category: category, OccurredAt: time.Now().Add(-time.Minute),
		Witnessed: true, Description: "seen"}, f.observer)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) round() {
	f.t.Helper()
	if err := f.sender.Round(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) alertsAudited() int {
	f.t.Helper()
	entries, err := f.st.AuditLog(context.Background(), 0, 10000)
	if err != nil {
		f.t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Action == report.AuditAlert {
			n++
		}
	}
	return n
}

func TestAlertsGoOncePerIncidentAndSubscriberWithinScope(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tok, err := f.st.CreateTelegramLinkToken(ctx, f.coordA, "ru")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.LinkTelegram(ctx, tok, 777, 9001); err != nil {
		t.Fatal(err)
	}
	if err := f.st.SaveAlertSubscription(ctx, report.AlertSubscription{UserID: f.coordA.ID, Categories: report.DefaultAlertCategories,
		ByTelegram: true, ByEmail: true, Email: "a@example.org"}, "ru", f.coordA); err != nil {
		t.Fatal(err)
	}
	if err := f.st.SaveAlertSubscription(ctx, report.AlertSubscription{UserID: f.coordB.ID, Categories: report.DefaultAlertCategories,
		ByEmail: true, Email: "b@example.org"}, "en", f.coordB); err != nil {
		t.Fatal(err)
	}
	id := f.incident(f.stA, "carousel_voting")
	f.incident(f.stA, "campaigning") // not subscribed
	f.round()
	f.round() // nothing twice
	mails := f.smtp.mails()
	if len(mails) != 1 || mails[0].to != "a@example.org" {
		t.Fatalf("mails = %+v, want one to a@example.org (coordinator B's region is not Almaty)", mails)
	}
	tg := f.bot.messages()
	if len(tg) != 1 || tg[0].chatID != 9001 {
		t.Fatalf("telegram = %+v, want one to chat 9001", tg)
	}
	for _, want := range []string{fmt.Sprintf("#%d", id), "carousel_voting", "071-023", "OBS-obs1", fmt.Sprintf("https://observer.example.org/incidents/%d", id)} {
		if !strings.Contains(tg[0].text, want) {
			t.Errorf("telegram text %q lacks %q", tg[0].text, want)
		}
	}
	if strings.Contains(tg[0].text, "obs1\n") || strings.Contains(tg[0].text, "coord") {
		t.Errorf("alert names an account: %q", tg[0].text)
	}
	if !strings.Contains(tg[0].text, "участок") {
		t.Errorf("alert to a Russian-speaking coordinator is not in Russian: %q", tg[0].text)
	}
	if n := f.alertsAudited(); n != 2 {
		t.Errorf("%d alerts in the audit log, want 2", n)
	}
	if _, err := f.st.VerifyAuditChain(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAlertsAboveFiveAMinuteAreBundled(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.st.SaveAlertSubscription(ctx, report.AlertSubscription{UserID: f.coordA.ID, Categories: []string{"ballot_stuffing"},
		ByEmail: true, Email: "a@example.org"}, "en", f.coordA); err != nil {
		t.Fatal(err)
	}
	for range 8 {
		f.incident(f.stA, "ballot_stuffing")
	}
	f.round()
	if n := len(f.smtp.mails()); n != 5 {
		t.Fatalf("%d mails in the first window, want 5 one by one", n)
	}
	f.offset += (30 * time.Second)
	f.round()
	if n := len(f.smtp.mails()); n != 5 {
		t.Fatalf("%d mails before the window ended, want still 5", n)
	}
	f.offset += (31 * time.Second)
	f.round()
	mails := f.smtp.mails()
	if len(mails) != 6 {
		t.Fatalf("%d mails after the window, want 6 (5 + one bundle)", len(mails))
	}
	if c := strings.Count(mails[5].data, "ballot_stuffing"); c != 3 {
		t.Errorf("the bundle names %d incidents, want 3:\n%s", c, mails[5].data)
	}
	if !strings.Contains(mails[5].data, "https://observer.example.org/incidents\n") {
		t.Errorf("the bundle has no link to the incident list:\n%s", mails[5].data)
	}
	if n := f.alertsAudited(); n != 8 {
		t.Errorf("%d alerts audited, want 8", n)
	}
}

func TestFailingChannelIsRetriedAndShown(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.st.SaveAlertSubscription(ctx, report.AlertSubscription{UserID: f.coordB.ID, Categories: []string{"observer_removed"},
		ByEmail: true, Email: "b@example.org"}, "kk", f.coordB); err != nil {
		t.Fatal(err)
	}
	f.smtp.setFail(true)
	f.incident(f.stB, "observer_removed")
	f.round()
	failing, err := f.st.FailingAlerts(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(failing) != 1 || failing[0].Attempts != 1 || !strings.Contains(failing[0].LastError, "451") {
		t.Fatalf("failing = %+v, want one with the server's 451", failing)
	}
	if n := f.alertsAudited(); n != 0 {
		t.Fatalf("a failed alert was audited as sent")
	}
	// Submissions go on while the channel fails.
	f.incident(f.stB, "campaigning")
	f.smtp.setFail(false)
	f.round() // too early: the retry waits
	if n := len(f.smtp.mails()); n != 0 {
		t.Fatalf("retried before its time")
	}
	f.offset += (time.Minute)
	f.round()
	if n := len(f.smtp.mails()); n != 1 {
		t.Fatalf("%d mails after the retry, want 1", n)
	}
	if failing, _ := f.st.FailingAlerts(ctx, 10); len(failing) != 0 {
		t.Errorf("still failing after being sent: %+v", failing)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func TestSilentObserverAlert(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, u := range []report.User{f.coordA, f.coordB} {
		if err := f.st.SaveAlertSubscription(ctx, report.AlertSubscription{UserID: u.ID, Categories: []string{"ballot_stuffing"},
			ByEmail: true, Email: u.Login + "@example.org", Silent: true}, "en", u); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.st.Write(ctx, func(tx *storage.Tx) error {
		_, err := storage.SetAssignments(tx, f.observer.ObserverID, f.el.ID, []int64{f.stA.ID}, report.User{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.CheckIn(ctx, f.observer.ObserverID, f.el.ID, f.stA.ID, true, "web", f.observer); err != nil {
		t.Fatal(err)
	}
	f.offset = 30 * time.Minute
	f.round()
	if n := len(f.smtp.mails()); n != 0 {
		t.Fatalf("%d mails after 30 minutes of silence, want none", n)
	}
	f.offset = 91 * time.Minute
	f.round()
	mails := f.smtp.mails()
	if len(mails) != 1 || mails[0].to != "coord-a@example.org" {
		t.Fatalf("mails %+v, want one to the Almaty coordinator", mails)
	}
	for _, want := range []string{"Silent observer", "OBS-obs1", "071-023", "/coverage"} {
		if !strings.Contains(mails[0].data, want) {
			t.Errorf("the alert lacks %q:\n%s", want, mails[0].data)
		}
	}
	f.offset = 95 * time.Minute
	f.round()
	if n := len(f.smtp.mails()); n != 1 {
		t.Fatalf("%d mails, want the silence alerted once", n)
	}
}
