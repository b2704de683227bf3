package storage

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

func importObserversCSV(t *testing.T, s *Store, el report.Election, file string) (report.ImportCounts, error) {
	t.Helper()
	recs, err := report.ParseObservers(strings.NewReader(file))
	if err != nil {
		return report.ImportCounts{}, err
	}
	return s.ImportObservers(context.Background(), el, recs, report.User{Login: "test"})
}

const observersV1 = "code,name,phone,email,region_code,stations\n" +
	"OBS-0001,Айгүл Сейітқызы,+7 701 555 12 34,aigul@example.org,,071-023;071-024\n" +
	"OBS-0002,,,,astana,\n" +
	"OBS-0003,Bolat Nurlanuly,,,,USA-1\n"

func TestImportObservers(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	el := testElection(t, s, "kz-test")
	if _, err := importCSV(t, s, el, stationsV1); err != nil {
		t.Fatal(err)
	}
	c, err := importObserversCSV(t, s, el, observersV1)
	if err != nil || c != (report.ImportCounts{Added: 3}) {
		t.Fatalf("import: %+v, %v", c, err)
	}
	o, err := s.ObserverByCode(ctx, "OBS-0001")
	if err != nil || o.RegionCode != "almaty" {
		t.Fatalf("observer = %+v, %v (region must come from its stations)", o, err)
	}
	contact, err := s.ObserverContact(ctx, o.ID)
	if err != nil || contact.Name != "Айгүл Сейітқызы" || contact.Email != "aigul@example.org" {
		t.Errorf("contact = %+v, %v", contact, err)
	}
	if sts, _ := s.AssignedStations(ctx, o.ID, el.ID); len(sts) != 2 {
		t.Errorf("assignments = %+v", sts)
	}
	if c, err := importObserversCSV(t, s, el, observersV1); err != nil || c != (report.ImportCounts{Unchanged: 3}) {
		t.Fatalf("second import: %+v, %v", c, err)
	}
	v2 := strings.Replace(observersV1, "071-023;071-024", "071-024", 1)
	if c, err := importObserversCSV(t, s, el, v2); err != nil || c != (report.ImportCounts{Updated: 1, Unchanged: 2}) {
		t.Fatalf("third import: %+v, %v", c, err)
	}
	if sts, _ := s.AssignedStations(ctx, o.ID, el.ID); len(sts) != 1 || sts[0].Code != "071-024" {
		t.Errorf("assignments after update = %+v", sts)
	}

	roster, err := s.Roster(ctx, RosterFilter{ElectionID: el.ID})
	if err != nil || len(roster) != 3 || roster[0].Code != "OBS-0001" || strings.Join(roster[0].Stations, " ") != "071-024" ||
		!roster[0].HasContact || roster[1].HasContact {
		t.Fatalf("roster = %+v, %v", roster, err)
	}
	if r, _ := s.Roster(ctx, RosterFilter{ElectionID: el.ID, RegionCode: "astana"}); len(r) != 1 || r[0].Code != "OBS-0002" {
		t.Errorf("region filter: %+v", r)
	}
	if r, _ := s.Roster(ctx, RosterFilter{ElectionID: el.ID, After: "OBS-0001", Limit: 1}); len(r) != 1 || r[0].Code != "OBS-0002" {
		t.Errorf("paging: %+v", r)
	}
	// No personal data in the audit log.
	rows, _ := s.ro.Query("SELECT before || after FROM audit_log")
	defer rows.Close()
	for rows.Next() {
		var text string
		rows.Scan(&text)
		if strings.Contains(text, "Айгүл") || strings.Contains(text, "555") || strings.Contains(text, "example.org") {
			t.Fatalf("personal data in the audit log: %s", text)
		}
	}
}

func TestImportObserversUnknownStationWritesNothing(t *testing.T) {
	s := openTest(t)
	el := testElection(t, s, "kz-test")
	if _, err := importCSV(t, s, el, stationsV1); err != nil {
		t.Fatal(err)
	}
	before := countRows(t, s, "audit_log")
	_, err := importObserversCSV(t, s, el, observersV1+"OBS-0004,,,,,999-999\n")
	var errs report.CSVErrors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Error() != "line 5, column stations: no station with code 999-999 in this election" {
		t.Fatalf("got %v", err)
	}
	if countRows(t, s, "observers") != 0 || countRows(t, s, "observer_contacts") != 0 || countRows(t, s, "audit_log") != before {
		t.Fatal("a broken file changed the database")
	}
}

func TestPrepareObserverAndRegionLimit(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	el := testElection(t, s, "kz-test")
	if _, err := importCSV(t, s, el, stationsV1); err != nil {
		t.Fatal(err)
	}
	st, _ := s.StationByCode(ctx, el.ID, "071-023")
	code, err := s.NextObserverCode(ctx)
	if err != nil || code != "OBS-0001" {
		t.Fatalf("next code %q, %v", code, err)
	}
	o, err := s.PrepareObserver(ctx, ObserverInvite{Election: el, Code: code, RegionCode: "almaty", StationIDs: []int64{st.ID}}, report.User{})
	if err != nil || o.RegionCode != "almaty" {
		t.Fatalf("prepare: %+v, %v", o, err)
	}
	if next, _ := s.NextObserverCode(ctx); next != "OBS-0002" {
		t.Errorf("next code after OBS-0001 = %q", next)
	}
	_, err = s.PrepareObserver(ctx, ObserverInvite{Election: el, Code: code, LimitRegion: "astana"}, report.User{})
	if !errors.Is(err, ErrOtherRegion) {
		t.Fatalf("a coordinator of another region changed the observer: %v", err)
	}
	if sts, _ := s.AssignedStations(ctx, o.ID, el.ID); len(sts) != 1 {
		t.Errorf("assignments = %+v", sts)
	}
}

func TestRevealContactIsAudited(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	el := testElection(t, s, "kz-test")
	if _, err := importCSV(t, s, el, stationsV1); err != nil {
		t.Fatal(err)
	}
	if _, err := importObserversCSV(t, s, el, observersV1); err != nil {
		t.Fatal(err)
	}
	o, _ := s.ObserverByCode(ctx, "OBS-0003")
	c, err := s.RevealContact(ctx, o.ID, el, report.User{ID: 7, Login: "coord"})
	if err != nil || c.Name != "Bolat Nurlanuly" {
		t.Fatalf("contact %+v, %v", c, err)
	}
	var n int
	s.ro.QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = ? AND actor = 'coord' AND entity_id = ?", report.AuditContactsRead, o.ID).Scan(&n)
	if n != 1 {
		t.Errorf("%d audit entries for the read", n)
	}
}

func TestDisableUser(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var admin, coord int64
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		if admin, err = CreateUser(tx, NewUser{Login: "admin", Password: "long enough pw", Role: report.RoleAdmin}, report.User{}); err != nil {
			return err
		}
		coord, err = CreateUser(tx, NewUser{Login: "coord", Password: "long enough pw", Role: report.RoleCoordinator, RegionCode: "almaty"}, report.User{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	au, _ := s.User(ctx, admin)
	cu, _ := s.User(ctx, coord)
	cookie, _ := s.CreateSession(ctx, cu, true)
	token, _ := s.CreateAPIToken(ctx, coord, au)
	if err := s.DisableUser(ctx, admin, au); !errors.Is(err, ErrDisableSelf) {
		t.Errorf("disabling oneself: %v", err)
	}
	if err := s.DisableUser(ctx, admin, report.User{ID: 99, Login: "other"}); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("disabling the last admin: %v", err)
	}
	if err := s.DisableUser(ctx, coord, au); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByCookie(ctx, cookie); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("session of a disabled user still works: %v", err)
	}
	if _, err := s.UserByAPIToken(ctx, token); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("token of a disabled user still works: %v", err)
	}
	if _, err := s.Authenticate(ctx, "coord", "long enough pw"); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("disabled user signs in: %v", err)
	}
	accounts, err := s.Accounts(ctx)
	if err != nil || len(accounts) != 2 || accounts[1].Login != "coord" || accounts[1].DisabledAt == nil {
		t.Errorf("accounts = %+v, %v", accounts, err)
	}
	if countRows(t, s, "users") != 2 {
		t.Error("a user was deleted")
	}
}
