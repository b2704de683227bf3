package storage

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// refFixture files forms as a coordinator typing in paper forms (so the observer is
// named by code) and reads back where each landed.
type refFixture struct {
	*recFixture
	other *sql.DB // a second connection: an admin tool, another process
	n     int
}

func newRefFixture(t *testing.T) *refFixture {
	f := &refFixture{recFixture: newRecFixture(t)}
	var err error
	if f.other, err = sql.Open("sqlite", dsn(f.s.path, false, "FULL")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.other.Close() })
	return f
}

func (f *refFixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.other.ExecContext(context.Background(), q, args...); err != nil {
		f.t.Fatal(err)
	}
}

// file saves a form at the station with this code, for observer OBS-anna, and
// returns it as stored (or the error).
func (f *refFixture) file(station string) (report.Observation, error) {
	f.t.Helper()
	f.n++
	return f.fileAs(station, "ref-"+string(rune('a'+f.n)))
}

// fileAs is file with the form's client_id given (safe from several goroutines).
func (f *refFixture) fileAs(station, clientID string) (report.Observation, error) {
	f.t.Helper()
	o := countingForm(f.recFixture, clientID)
	o.Incidents, o.Station, o.ObserverCode = nil, report.Station{Code: station}, "OBS-anna"
	id, created, err := f.s.SaveObservation(context.Background(), o, f.coord)
	if err != nil {
		return o, err
	}
	if !created {
		f.t.Fatal("not created")
	}
	stored, err := f.s.Observation(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return stored, nil
}

func (f *refFixture) regionID(code string) int64 {
	f.t.Helper()
	var id int64
	if err := f.other.QueryRow("SELECT id FROM regions WHERE code = ?", code).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// A change to stations or observer codes made by another connection (an admin
// tool, a second process) is seen by the next submission.
func TestWritesSeeReferenceChangesFromAnyConnection(t *testing.T) {
	f := newRefFixture(t)
	first, err := f.file("071-024")
	if err != nil {
		t.Fatal(err)
	}
	if first.Station.RegionCode != "ALM" || first.ObserverCode != "OBS-anna" {
		t.Fatalf("first form: region %q, observer %q", first.Station.RegionCode, first.ObserverCode)
	}

	// The station moves to another region: the next form is counted there.
	f.exec("UPDATE stations SET region_id = ? WHERE code = '071-024'", f.regionID("ABR"))
	moved, err := f.file("071-024")
	if err != nil {
		t.Fatal(err)
	}
	var region int64
	if err := f.other.QueryRow("SELECT region_id FROM observations WHERE id = ?", moved.ID).Scan(&region); err != nil {
		t.Fatal(err)
	}
	if region != f.regionID("ABR") {
		t.Errorf("a form filed after the station moved went to region %d, want ABR's %d", region, f.regionID("ABR"))
	}

	// Renamed: the old code is unknown, the new one resolves to the same station.
	f.exec("UPDATE stations SET code = '071-924' WHERE code = '071-024'")
	var fe report.FieldErrors
	if _, err := f.file("071-024"); !errors.As(err, &fe) || !fe.Has("station") {
		t.Errorf("the old code after a rename: %v, want a station error", err)
	}
	renamed, err := f.file("071-924")
	if err != nil || renamed.StationID != first.StationID {
		t.Errorf("the new code: station %d, %v; want %d", renamed.StationID, err, first.StationID)
	}

	// The observer's code changes: the old one is unknown, the new one is theirs.
	f.exec("UPDATE observers SET code = 'OBS-anna-2' WHERE code = 'OBS-anna'")
	if _, err := f.file("071-924"); !errors.As(err, &fe) || !fe.Has("observer") {
		t.Errorf("the old observer code after a change: %v, want an observer error", err)
	}
}

// A station moved inside a submission that is then undone stays where it was for
// the forms after it.
func TestUndoneChangeIsNotSeenByLaterForms(t *testing.T) {
	f := newRefFixture(t)
	if _, err := f.file("071-024"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	abroad := f.regionID("ABR")
	undo := errors.New("undone")
	err := f.s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.exec("UPDATE stations SET region_id = ? WHERE code = '071-024'", abroad); err != nil {
			return err
		}
		// Resolved inside the undone change: the station seen abroad.
		o := countingForm(f.recFixture, "undone")
		o.Incidents, o.Station, o.ObserverCode = nil, report.Station{Code: "071-024"}, "OBS-anna"
		w, err := newRecordWriter(tx, f.el.ID, f.coord)
		if err != nil {
			return err
		}
		if _, _, err := w.saveObservation(o); err != nil {
			return err
		}
		return undo
	})
	if !errors.Is(err, undo) {
		t.Fatalf("write: %v", err)
	}
	// No other connection has written since: only the undo tells the writer that
	// what it read inside the undone change is gone.
	o, err := f.file("071-024")
	if err != nil {
		t.Fatal(err)
	}
	var region int64
	if err := f.other.QueryRow("SELECT region_id FROM observations WHERE id = ?", o.ID).Scan(&region); err != nil {
		t.Fatal(err)
	}
	if region != f.regionID("ALM") {
		t.Errorf("after an undone move the form went to region %d, want Almaty's %d", region, f.regionID("ALM"))
	}
}

// A change of any other kind in the same group (an admin's edit queued between two
// forms) is seen by the forms after it.
func TestFormsInAGroupSeeChangesBeforeThem(t *testing.T) {
	f := newRefFixture(t)
	ctx := context.Background()
	if _, err := f.file("071-024"); err != nil {
		t.Fatal(err)
	}
	abr := f.regionID("ABR")
	release, blocked := make(chan struct{}), make(chan struct{})
	go f.s.Write(ctx, func(tx *Tx) error { close(blocked); <-release; return nil })
	<-blocked

	type filed struct {
		o   report.Observation
		err error
	}
	before, after := make(chan filed, 1), make(chan filed, 1)
	go func() { o, err := f.fileAs("071-024", "group-before"); before <- filed{o, err} }()
	waitQueued(t, f.s, 1)
	moved := make(chan error, 1)
	go func() {
		moved <- f.s.Write(ctx, func(tx *Tx) error {
			_, err := tx.exec("UPDATE stations SET region_id = ? WHERE code = '071-024'", abr)
			return err
		})
	}()
	waitQueued(t, f.s, 2)
	go func() { o, err := f.fileAs("071-024", "group-after"); after <- filed{o, err} }()
	waitQueued(t, f.s, 3)
	close(release)

	b, a := <-before, <-after
	if err := <-moved; err != nil || b.err != nil || a.err != nil {
		t.Fatalf("errors: move %v, forms %v, %v", err, b.err, a.err)
	}
	// The region each form was counted in is the one its row keeps.
	region := func(id int64) (r int64) {
		if err := f.other.QueryRow("SELECT region_id FROM observations WHERE id = ?", id).Scan(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if alm := f.regionID("ALM"); region(b.o.ID) != alm || region(a.o.ID) != abr {
		t.Fatalf("forms before and after the move in one group counted in regions %d and %d, want %d and %d",
			region(b.o.ID), region(a.o.ID), alm, abr)
	}
}

// A second Store on the same file (the command line) revokes a token, disables an
// account and changes an observer's assignments: the first store sees each change
// from its next read. Elections do not change (TestElectionsDoNotChange).
func TestAccessChangedByAnotherStoreIsSeenAtOnce(t *testing.T) {
	f := newRefFixture(t)
	ctx := context.Background()
	tokA, err := f.s.CreateAPIToken(ctx, f.obsA.ID, report.User{})
	if err != nil {
		t.Fatal(err)
	}
	tokB, err := f.s.CreateAPIToken(ctx, f.obsB.ID, report.User{})
	if err != nil {
		t.Fatal(err)
	}
	assigned := func() int {
		t.Helper()
		list, err := f.s.AssignedStations(ctx, f.obsA.ObserverID, f.el.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	for _, tok := range []string{tokA, tokB} {
		if _, err := f.s.UserByAPIToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.s.ElectionByCode(ctx, f.el.Code); err != nil {
		t.Fatal(err)
	}
	before := assigned()

	cli, err := Open(ctx, Options{Path: f.s.path, DataDir: f.s.dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if err := cli.Write(ctx, func(tx *Tx) error {
		if _, err := tx.exec("UPDATE api_tokens SET revoked_at = ? WHERE user_id = ?", fmtTime(tx.Now()), f.obsA.ID); err != nil {
			return err
		}
		_, err := SetAssignments(tx, f.obsA.ObserverID, f.el.ID, []int64{f.station("071-023").ID, f.station("071-024").ID}, f.coord)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := cli.DisableUser(ctx, f.obsB.ID, report.User{Login: "cli"}); err != nil {
		t.Fatal(err)
	}

	if _, err := f.s.UserByAPIToken(ctx, tokA); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("a token revoked by another store still works: %v", err)
	}
	if _, err := f.s.UserByAPIToken(ctx, tokB); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("the token of an account disabled by another store still works: %v", err)
	}
	if n := assigned(); n != 2 {
		t.Errorf("assignments changed by another store: %d stations (was %d), want 2", n, before)
	}
}

// The server keeps the elections it has read: the database refuses to change one.
func TestElectionsDoNotChange(t *testing.T) {
	f := newRefFixture(t)
	if _, err := f.s.ElectionByCode(context.Background(), f.el.Code); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"UPDATE elections SET name = 'Renamed'", "DELETE FROM elections"} {
		if _, err := f.other.Exec(q); err == nil || !strings.Contains(err.Error(), "election") {
			t.Errorf("%s: %v, want it refused", q, err)
		}
	}
	if el, err := f.s.ElectionByCode(context.Background(), f.el.Code); err != nil || el.Name != f.el.Name {
		t.Errorf("election after the refused changes: %+v, %v", el, err)
	}
}

// A session revoked, or its account's role changed, by another Store (the command
// line) is seen by the next request, after the first store has looked it up.
func TestSessionChangedByAnotherStoreIsSeenAtOnce(t *testing.T) {
	f := newRefFixture(t)
	ctx := context.Background()
	cookie, err := f.s.CreateSession(ctx, f.coord, true)
	if err != nil {
		t.Fatal(err)
	}
	if sess, err := f.s.SessionByCookie(ctx, cookie); err != nil || sess.User.Role != report.RoleCoordinator {
		t.Fatalf("session: %+v, %v", sess, err)
	}
	f.exec("UPDATE users SET role = ? WHERE id = ?", string(report.RoleObserver), f.coord.ID)
	if sess, err := f.s.SessionByCookie(ctx, cookie); err != nil || sess.User.Role != report.RoleObserver {
		t.Errorf("after another connection changed the role: %+v, %v", sess.User.Role, err)
	}
	f.exec("UPDATE sessions SET revoked_at = '2022-11-20T00:00:00Z'")
	if _, err := f.s.SessionByCookie(ctx, cookie); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("a session revoked by another connection still works: %v", err)
	}
}
