package storage

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

const observersLang = "code,name,phone,email,region_code,stations,language\n" +
	"OBS-0001,Айгүл Сейітқызы,+7 701 555 12 34,aigul@example.org,,071-023;071-024,kk\n" +
	"OBS-0002,,8 702 000 00 02,,astana,,\n" +
	"OBS-0003,Bolat Nurlanuly,,,,USA-1,en\n"

func senderLang(t *testing.T, s *Store, phone string) string {
	t.Helper()
	snd, ok, err := s.SenderByPhone(context.Background(), phone, time.Date(2026, 3, 15, 6, 0, 0, 0, time.UTC))
	if err != nil || !ok {
		t.Fatalf("sender %s: %v %v", phone, ok, err)
	}
	return snd.Lang
}

// The observers CSV's language answers an observer's messages until they have an
// account (intake.md); a file without the column changes nobody's.
func TestObserverLanguage(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	el := testElection(t, s, "kz-test")
	if _, err := importCSV(t, s, el, stationsV1); err != nil {
		t.Fatal(err)
	}
	if c, err := importObserversCSV(t, s, el, observersLang); err != nil || c != (report.ImportCounts{Added: 3}) {
		t.Fatalf("import: %+v, %v", c, err)
	}
	if l := senderLang(t, s, "+77015551234"); l != "kk" {
		t.Errorf("OBS-0001 answered in %q, want kk", l)
	}
	if l := senderLang(t, s, "+77020000002"); l != "ru" {
		t.Errorf("OBS-0002 (empty cell) answered in %q, want the default ru", l)
	}
	// The same file again changes nothing; a file of before the column neither.
	if c, err := importObserversCSV(t, s, el, observersLang); err != nil || c != (report.ImportCounts{Unchanged: 3}) {
		t.Fatalf("second import: %+v, %v", c, err)
	}
	if c, err := importObserversCSV(t, s, el, "code,stations\nOBS-0001,071-023;071-024\n"); err != nil || c != (report.ImportCounts{Unchanged: 1}) {
		t.Fatalf("import without the column: %+v, %v", c, err)
	}
	if l := senderLang(t, s, "+77015551234"); l != "kk" {
		t.Errorf("a file without the column changed OBS-0001's language to %q", l)
	}
	before := countRows(t, s, "audit_log")
	if c, err := importObserversCSV(t, s, el, "code,language\nOBS-0001,en\n"); err != nil || c != (report.ImportCounts{Updated: 1}) {
		t.Fatalf("language change: %+v, %v", c, err)
	}
	var b, a string
	if err := s.ro.QueryRow("SELECT before, after FROM audit_log WHERE entity = 'observer' ORDER BY id DESC LIMIT 1").Scan(&b, &a); err != nil ||
		b != `{"language":"kk"}` || a != `{"language":"en"}` {
		t.Errorf("audit of the change: %s → %s (%v)", b, a, err)
	}
	if countRows(t, s, "audit_log") != before+2 { // the change and the import
		t.Errorf("%d audit entries for one change", countRows(t, s, "audit_log")-before)
	}
	if l := senderLang(t, s, "+77015551234"); l != "en" {
		t.Errorf("after the change OBS-0001 answered in %q", l)
	}

	// With an account, the account's language wins.
	o, _ := s.ObserverByCode(ctx, "OBS-0001")
	err := s.Write(ctx, func(tx *Tx) error {
		id, err := CreateUser(tx, NewUser{Login: "aigul", Password: "correct horse battery", Role: report.RoleObserver, ObserverID: o.ID}, report.User{})
		if err != nil {
			return err
		}
		return setLang(tx, id, "ru")
	})
	if err != nil {
		t.Fatal(err)
	}
	if l := senderLang(t, s, "+77015551234"); l != "ru" {
		t.Errorf("with an account in Russian OBS-0001 answered in %q", l)
	}

	// A wrong language writes nothing and says where.
	before = countRows(t, s, "audit_log")
	_, err = s.ImportObservers(ctx, el, []report.ObserverRecord{{Line: 7, Code: "OBS-0002", Language: "de", SetLanguage: true}}, report.User{})
	var errs report.CSVErrors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Error() != "line 7, column language: “de” is not a language of answers: use en, ru or kk" {
		t.Fatalf("got %v", err)
	}
	if countRows(t, s, "audit_log") != before {
		t.Error("a refused file wrote to the audit log")
	}
}

// An exported roster is an observers CSV: it imports into another installation as
// it was, language included; contact details go out only when asked for, and that
// is audit-logged.
func TestExportObservers(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	el := testElection(t, s, "kz-test")
	if _, err := importCSV(t, s, el, stationsV1); err != nil {
		t.Fatal(err)
	}
	if _, err := importObserversCSV(t, s, el, observersLang); err != nil {
		t.Fatal(err)
	}
	coord := report.User{ID: 0, Login: "coord", Role: report.RoleCoordinator}
	audits := func(action string) int {
		var n int
		s.ro.QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = ?", action).Scan(&n)
		return n
	}

	var plain bytes.Buffer
	n, err := s.ExportObservers(ctx, &plain, el, "", false, coord)
	if err != nil || n != 3 {
		t.Fatalf("export: %d, %v", n, err)
	}
	want := report.UTF8BOM + "code,region_code,stations,language\n" +
		"OBS-0001,almaty,071-023;071-024,kk\n" +
		"OBS-0002,astana,,ru\n" +
		"OBS-0003,abroad,USA-1,en\n"
	if plain.String() != want {
		t.Fatalf("export:\n%s\nwant\n%s", plain.String(), want)
	}
	if audits(report.AuditExport) != 1 || audits(report.AuditContactsRead) != 0 {
		t.Errorf("audit: %d exports, %d contact reads", audits(report.AuditExport), audits(report.AuditContactsRead))
	}

	var full bytes.Buffer
	if _, err := s.ExportObservers(ctx, &full, el, "", true, coord); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(full.String(), "OBS-0001,Айгүл Сейітқызы,'+7 701 555 12 34,aigul@example.org,almaty,071-023;071-024,kk\n") {
		t.Errorf("export with contacts:\n%s", full.String())
	}
	if audits(report.AuditContactsRead) != 1 {
		t.Errorf("an export with contact details is not audit-logged as a contacts read")
	}

	var region bytes.Buffer
	if n, err := s.ExportObservers(ctx, &region, el, "astana", false, coord); err != nil || n != 1 || !strings.Contains(region.String(), "OBS-0002") {
		t.Errorf("region export: %d %v\n%s", n, err, region.String())
	}

	// Into a fresh installation: the same observers, stations, languages and contacts.
	other := openTest(t)
	el2 := testElection(t, other, "kz-test")
	if _, err := importCSV(t, other, el2, stationsV1); err != nil {
		t.Fatal(err)
	}
	if c, err := importObserversCSV(t, other, el2, full.String()); err != nil || c != (report.ImportCounts{Added: 3}) {
		t.Fatalf("re-import: %+v, %v", c, err)
	}
	var again bytes.Buffer
	if _, err := other.ExportObservers(ctx, &again, el2, "", true, coord); err != nil {
		t.Fatal(err)
	}
	if again.String() != full.String() {
		t.Errorf("round trip differs:\n%s\nwas\n%s", again.String(), full.String())
	}
	if l := senderLang(t, other, "+77015551234"); l != "kk" {
		t.Errorf("re-imported OBS-0001 answered in %q", l)
	}
}
