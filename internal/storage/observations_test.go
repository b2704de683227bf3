package storage

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// recNow is the fixture's clock: the evening after the 2022 election day.
var recNow = time.Date(2022, 11, 21, 0, 0, 0, 0, time.UTC)

type recFixture struct {
	t          *testing.T
	s          *Store
	el         report.Election
	obsA, obsB report.User
	coord      report.User
	mu         sync.Mutex
	touched    map[int64]int
}

func newRecFixture(t *testing.T) *recFixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, Options{Path: filepath.Join(dir, "rec.db"), DataDir: filepath.Join(dir, "data"), Synchronous: "NORMAL",
		Now: func() time.Time { return recNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &recFixture{t: t, s: s, touched: map[int64]int{}}
	s.OnCommit(func(st []int64) {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, id := range st {
			f.touched[id]++
		}
	})
	if f.el, err = s.CreateElection(ctx, "kz-2022-presidential", "Presidential", "2022-11-20", "", report.User{}); err != nil {
		t.Fatal(err)
	}
	recs := []report.StationRecord{
		{Code: "071-023", Region: "Almaty", RegionCode: "ALM", District: "Bostandyk", DistrictCode: "BOS", Timezone: "Asia/Almaty"},
		{Code: "071-024", Region: "Almaty", RegionCode: "ALM", Timezone: "Asia/Almaty"},
		{Code: "USA-1", Region: "Abroad", RegionCode: "ABR", Timezone: "America/New_York"},
	}
	if _, err := s.ImportStations(ctx, f.el, recs, report.User{}); err != nil {
		t.Fatal(err)
	}
	f.obsA, f.obsB = f.user(report.RoleObserver, "anna"), f.user(report.RoleObserver, "boris")
	f.coord = f.user(report.RoleCoordinator, "coord")
	return f
}

func (f *recFixture) user(role report.Role, login string) report.User {
	f.t.Helper()
	ctx := context.Background()
	err := f.s.Write(ctx, func(tx *Tx) error {
		var oid int64
		if role == report.RoleObserver {
			var err error
			if oid, err = EnsureObserver(tx, "OBS-"+login, "", report.User{}); err != nil {
				return err
			}
		}
		_, err := CreateUser(tx, NewUser{Login: login, Password: "correct horse battery", Role: role, ObserverID: oid}, report.User{})
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	u, err := f.s.UserByLogin(ctx, login)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *recFixture) station(code string) report.Station {
	f.t.Helper()
	st, err := f.s.StationByCode(context.Background(), f.el.ID, code)
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

func (f *recFixture) auditCount() int {
	f.t.Helper()
	entries, err := f.s.AuditLog(context.Background(), 0, 100000)
	if err != nil {
		f.t.Fatal(err)
	}
	return len(entries)
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func countingForm(f *recFixture, clientID string) report.Observation {
	return report.Observation{
		ElectionID: f.el.ID, ClientID: clientID, Station: report.Station{Code: "071-023"}, Phase: report.PhaseCounting,
		ArrivedAt: at("2022-11-20T19:40:00+06:00"), LeftAt: at("2022-11-20T23:05:00+06:00"), Assessment: report.AssessBad,
		State:    report.StateSubmitted,
		Answers:  map[string]report.Answer{"count_mobile_exceeds_requests": report.AnswerYes, "count_mobile_excess_invalidated": report.AnswerNo},
		Protocol: &report.Protocol{VotersVoted: i64(1011), BallotsStationary: i64(990), BallotsMobile: i64(31), HomeboundRequests: i64(12)},
		Incidents: []report.Incident{{ClientID: clientID + "-i1", Category: "ballot_stuffing", OccurredAt: *at("2022-11-20T20:10:00+06:00"),
			Witnessed: true, Description: "Вброс"}},
	}
}

func TestSaveObservationWithIncidents(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	st := f.station("071-023")
	before := f.auditCount()
	id, created, err := f.s.SaveObservation(ctx, countingForm(f, "c1"), f.obsA)
	if err != nil || !created || id == 0 {
		t.Fatalf("save: %d %v %v", id, created, err)
	}
	if got := f.auditCount() - before; got != 2 {
		t.Fatalf("%d audit entries, want 2 (observation and incident)", got)
	}
	if f.touched[st.ID] == 0 {
		t.Fatal("the station's statistics were not marked dirty")
	}
	o, err := f.s.Observation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if o.StationID != st.ID || o.UserID != f.obsA.ID || o.ObserverCode != "OBS-anna" || o.State != report.StateSubmitted ||
		*o.Protocol.BallotsMobile != 31 || o.Answers["count_mobile_excess_invalidated"] != report.AnswerNo ||
		!o.ArrivedAt.Equal(*at("2022-11-20T13:40:00Z")) {
		t.Fatalf("read back: %+v", o)
	}
	incs, err := f.s.IncidentsOfObservation(ctx, id)
	if err != nil || len(incs) != 1 {
		t.Fatalf("incidents: %v %v", incs, err)
	}
	in := incs[0]
	if in.ObservationID != id || in.Phase != report.PhaseCounting || in.UserID != f.obsA.ID || in.ObserverCode != "OBS-anna" ||
		in.Status != report.StatusNew || in.StationID != st.ID {
		t.Fatalf("incident: %+v", in)
	}
	// Region and district are denormalised for the coordinator's filters.
	byRegion, err := f.s.Incidents(ctx, report.IncidentFilter{ElectionID: f.el.ID, RegionID: st.RegionID, DistrictID: st.DistrictID})
	if err != nil || len(byRegion) != 1 {
		t.Fatalf("by region and district: %v %v", byRegion, err)
	}

	// The same submission again (a double tap, a retry): nothing new.
	id2, created, err := f.s.SaveObservation(ctx, countingForm(f, "c1"), f.obsA)
	if err != nil || created || id2 != id {
		t.Fatalf("replay: %d %v %v", id2, created, err)
	}
	if got := f.auditCount() - before; got != 2 {
		t.Fatalf("replay wrote to the audit log")
	}
	// The same client_id with other content is a conflict, and changes nothing.
	other := countingForm(f, "c1")
	other.Notes = "changed"
	if _, _, err := f.s.SaveObservation(ctx, other, f.obsA); !errors.Is(err, report.ErrConflict) {
		t.Fatalf("conflict: %v", err)
	}
	// A new form reusing an incident's client_id conflicts before anything is written.
	reuse := countingForm(f, "c2")
	reuse.Incidents[0].ClientID = "c1-i1"
	var ce *ConflictError
	if _, _, err := f.s.SaveObservation(ctx, reuse, f.obsA); !errors.As(err, &ce) || ce.Field != "incidents[0].client_id" {
		t.Fatalf("incident conflict: %v", err)
	}
	if mine, _ := f.s.MyObservations(ctx, f.obsA.ID, f.el.ID); len(mine) != 1 {
		t.Fatalf("%d observations after the conflicts, want 1", len(mine))
	}
	// Nothing of the refused form stayed behind: corrected, it is new.
	reuse.Incidents[0].ClientID = "c2-i1"
	if _, created, err := f.s.SaveObservation(ctx, reuse, f.obsA); err != nil || !created {
		t.Fatalf("the corrected form: created %v, %v", created, err)
	}
}

func TestSaveObservationFieldErrors(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	o := countingForm(f, "bad")
	o.Station.Code = "999-999"
	o.ObserverCode = "OBS-boris" // an observer cannot file as someone else
	o.LeftAt = at("2022-11-20T19:00:00+06:00")
	_, _, err := f.s.SaveObservation(ctx, o, f.obsA)
	var fe report.FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("want field errors, got %v", err)
	}
	for _, field := range []string{"station", "observer", "left_at"} {
		if !fe.Has(field) {
			t.Errorf("no error for %s in %v", field, fe)
		}
	}
	// A coordinator typing in a paper form names the observer by code.
	p := countingForm(f, "paper-1")
	p.ObserverCode = "OBS-boris"
	id, _, err := f.s.SaveObservation(ctx, p, f.coord)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := f.s.Observation(ctx, id); o.ObserverID != f.obsB.ObserverID || o.UserID != f.coord.ID {
		t.Fatalf("paper form: observer %d user %d", o.ObserverID, o.UserID)
	}
	p2 := countingForm(f, "paper-2")
	p2.ObserverCode = "OBS-nobody"
	if _, _, err := f.s.SaveObservation(ctx, p2, f.coord); !errors.As(err, &fe) || !fe.Has("observer") {
		t.Fatalf("unknown observer: %v", err)
	}
}

func TestUpdateObservation(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	o := countingForm(f, "d1")
	o.State, o.Incidents, o.Assessment = report.StateDraft, nil, ""
	id, _, err := f.s.SaveObservation(ctx, o, f.obsA)
	if err != nil {
		t.Fatal(err)
	}
	before := f.auditCount()
	o.ID, o.State, o.Assessment = id, report.StateSubmitted, report.AssessGood
	o.Station = report.Station{Code: "071-024"}
	changed, err := f.s.UpdateObservation(ctx, o, f.obsA)
	if err != nil || !changed {
		t.Fatalf("update: %v %v", changed, err)
	}
	got, _ := f.s.Observation(ctx, id)
	if got.State != report.StateSubmitted || got.Assessment != report.AssessGood || got.Station.Code != "071-024" || got.ClientID != "d1" {
		t.Fatalf("after update: %+v", got)
	}
	entries, _ := f.s.AuditLog(ctx, 0, 1)
	if f.auditCount() != before+1 || entries[0].Action != report.AuditUpdate || !strings.Contains(entries[0].Before, `"state":"draft"`) ||
		!strings.Contains(entries[0].After, `"state":"submitted"`) {
		t.Fatalf("audit: %+v", entries[0])
	}
	if f.touched[f.station("071-023").ID] < 2 || f.touched[f.station("071-024").ID] == 0 {
		t.Fatalf("both stations must be recounted: %v", f.touched)
	}
	// The same edit again changes nothing; a submitted form does not go back to draft.
	if changed, err := f.s.UpdateObservation(ctx, o, f.obsA); err != nil || changed {
		t.Fatalf("same edit: %v %v", changed, err)
	}
	o.State = report.StateDraft
	f.s.UpdateObservation(ctx, o, f.obsA)
	if got, _ := f.s.Observation(ctx, id); got.State != report.StateSubmitted {
		t.Fatal("a submitted form went back to draft")
	}
	// Once one of its incidents is verified, the form is locked.
	inID, _, err := f.s.SaveIncident(ctx, report.Incident{ElectionID: f.el.ID, ClientID: "d1-x", ObservationID: id, Category: "carousel_voting",
		OccurredAt: *at("2022-11-20T21:00:00+06:00"), Witnessed: true}, f.obsA)
	if err != nil {
		t.Fatal(err)
	}
	if in, _ := f.s.Incident(ctx, inID); in.StationID != f.station("071-024").ID || in.Phase != report.PhaseCounting {
		t.Fatalf("incident did not take the observation's station and phase: %+v", in)
	}
	// Corrected back to the first station, the form takes its incident along.
	o.Station = report.Station{Code: "071-023"}
	if _, err := f.s.UpdateObservation(ctx, o, f.obsA); err != nil {
		t.Fatal(err)
	}
	if in, _ := f.s.Incident(ctx, inID); in.StationID != f.station("071-023").ID {
		t.Fatalf("the incident stayed at %s", in.Station.Code)
	}
	entries, _ = f.s.AuditLog(ctx, 0, 2)
	if entries[0].Entity != "incident" || !strings.Contains(entries[0].After, `"071-023"`) {
		t.Fatalf("the move is not in the audit log: %+v", entries[0])
	}
	if err := f.s.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec("UPDATE incidents SET status = 'verified' WHERE id = ?", inID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	o.State, o.Notes = report.StateSubmitted, "late correction"
	if _, err := f.s.UpdateObservation(ctx, o, f.obsA); !errors.Is(err, report.ErrLocked) {
		t.Fatalf("locked: %v", err)
	}
	o.ID = 99999
	if _, err := f.s.UpdateObservation(ctx, o, f.obsA); !errors.Is(err, report.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}

func TestSaveAndUpdateIncident(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	obsID, _, err := f.s.SaveObservation(ctx, countingForm(f, "c1"), f.obsA)
	if err != nil {
		t.Fatal(err)
	}
	in := report.Incident{ElectionID: f.el.ID, ClientID: "i1", Station: report.Station{Code: "USA-1"}, Phase: report.PhaseVoting,
		Category: "campaigning", OccurredAt: *at("2022-11-20T10:00:00-05:00"), Witnessed: false, Description: "Hotline call"}
	id, created, err := f.s.SaveIncident(ctx, in, f.obsB)
	if err != nil || !created {
		t.Fatal(created, err)
	}
	if again, created, err := f.s.SaveIncident(ctx, in, f.obsB); again != id || created || err != nil {
		t.Fatalf("replay: %d %v %v", again, created, err)
	}
	changedIn := in
	changedIn.Witnessed = true
	if _, _, err := f.s.SaveIncident(ctx, changedIn, f.obsB); !errors.Is(err, report.ErrConflict) {
		t.Fatalf("conflict: %v", err)
	}
	// Boris may not attach his incident to Anna's observation; the answer does not
	// say whether it exists.
	bad := in
	bad.ClientID, bad.ObservationID, bad.Station = "i2", obsID, report.Station{}
	var fe report.FieldErrors
	if _, _, err := f.s.SaveIncident(ctx, bad, f.obsB); !errors.As(err, &fe) || !fe.Has("observation_id") {
		t.Fatalf("other's observation: %v", err)
	}
	// An incident attached to an observation stays at its station.
	bad.ObservationID, bad.Station = obsID, report.Station{Code: "USA-1"}
	if _, _, err := f.s.SaveIncident(ctx, bad, f.obsA); !errors.As(err, &fe) || !fe.Has("station") {
		t.Fatalf("other station: %v", err)
	}

	// The filer corrects it; once campaigning is retired the edit may keep it.
	if err := f.s.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec("INSERT INTO retired_categories(code, retired_at) VALUES ('campaigning', ?)", fmtTime(recNow))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	edit := in
	edit.ID, edit.Description = id, "Hotline call, confirmed by a second voter"
	changed, err := f.s.UpdateIncident(ctx, edit, f.obsB)
	if err != nil || !changed {
		t.Fatalf("edit: %v %v", changed, err)
	}
	if got, _ := f.s.Incident(ctx, id); got.Description != edit.Description || got.ClientID != "i1" || got.UserID != f.obsB.ID {
		t.Fatalf("after edit: %+v", got)
	}
	fresh := in
	fresh.ClientID = "i3"
	if _, _, err := f.s.SaveIncident(ctx, fresh, f.obsB); !errors.As(err, &fe) || fe[0].Code != report.CodeRetiredCategory {
		t.Fatalf("retired category on a new incident: %v", err)
	}
	if err := f.s.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec("UPDATE incidents SET status = 'rejected' WHERE id = ?", id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UpdateIncident(ctx, edit, f.obsB); !errors.Is(err, report.ErrLocked) {
		t.Fatalf("decided incident edited: %v", err)
	}
	mine, err := f.s.Incidents(ctx, report.IncidentFilter{ElectionID: f.el.ID, UserID: f.obsB.ID})
	if err != nil || len(mine) != 1 || mine[0].ID != id {
		t.Fatalf("Boris's incidents: %v %v", mine, err)
	}
}

func TestMyObservations(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	for _, id := range []string{"a1", "a2"} {
		if _, _, err := f.s.SaveObservation(ctx, countingForm(f, id), f.obsA); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.s.SaveObservation(ctx, countingForm(f, "b1"), f.obsB); err != nil {
		t.Fatal(err)
	}
	mine, err := f.s.MyObservations(ctx, f.obsA.ID, f.el.ID)
	if err != nil || len(mine) != 2 || mine[0].ClientID != "a2" {
		t.Fatalf("%v %v", mine, err)
	}
}
