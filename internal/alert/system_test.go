package alert

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// A replica falling behind is alerted to the administrators who chose a channel,
// in their language, once, through the outbox; coordinators are not told. When the
// outbox cannot be written (the disk that made the replica fall behind may be the
// database's own), the alert goes out straight away all the same.
func TestReplicaLagAlertsAdministrators(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.user(report.RoleAdmin, "admin1", "")
	retired := f.user(report.RoleAdmin, "admin2", "")
	tok, err := f.st.CreateTelegramLinkToken(ctx, admin, "kk")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.LinkTelegram(ctx, tok, 778, 9002); err != nil {
		t.Fatal(err)
	}
	for _, u := range []report.User{admin, retired, f.coordA} {
		if err := f.st.SaveAlertSubscription(ctx, report.AlertSubscription{UserID: u.ID, Categories: report.DefaultAlertCategories,
			ByTelegram: true, ByEmail: true, Email: u.Login + "@example.org"}, "kk", u); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.st.DisableUser(ctx, retired.ID, admin); err != nil {
		t.Fatal(err)
	}
	raised := make(chan report.AlertFacts, 2)
	f.sender.System = raised
	since := time.Date(2026, 12, 6, 16, 30, 0, 0, time.UTC)
	const url = "s3://observer/replica?endpoint=https://s3.example.org&region=kz"
	raised <- report.AlertFacts{Kind: report.AlertReplicaLag, Replica: url, LagSeconds: 75, At: since}
	f.round()
	f.round() // once
	mails := f.smtp.mails()
	if len(mails) != 1 || mails[0].to != "admin1@example.org" {
		t.Fatalf("mails %+v, want one to the enabled administrator only", mails)
	}
	tg := f.bot.messages()
	if len(tg) != 1 || tg[0].chatID != 9002 {
		t.Fatalf("telegram %+v, want one to the administrator's chat", tg)
	}
	for _, want := range []string{"Реплика 75 с артта қалды (16:30 UTC бастап)", url, "https://observer.example.org/admin"} {
		if !strings.Contains(tg[0].text, want) {
			t.Errorf("the alert lacks %q:\n%s", want, tg[0].text)
		}
	}
	if n := f.alertsAudited(); n != 2 {
		t.Errorf("%d alerts audited, want 2 (Telegram and e-mail)", n)
	}

	// The outbox cannot be written: the next alert leaves all the same.
	raw, err := sql.Open("sqlite", "file:"+f.st.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TRIGGER outbox_fails BEFORE INSERT ON alert_outbox BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`); err != nil {
		t.Fatal(err)
	}
	raised <- report.AlertFacts{Kind: report.AlertReplicaLag, Replica: url, LagSeconds: 61, At: since.Add(time.Hour)}
	f.round()
	f.round()
	if mails := f.smtp.mails(); len(mails) != 2 || !strings.Contains(mails[1].data, "61") {
		t.Fatalf("mails %+v, want the second alert sent without the outbox, once", mails)
	}
	if tg := f.bot.messages(); len(tg) != 2 {
		t.Fatalf("telegram %+v, want the second alert there too", tg)
	}
}
