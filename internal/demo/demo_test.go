package demo

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

func openStore(t *testing.T) *storage.Store {
	t.Helper()
	dir := t.TempDir()
	s, err := storage.Open(context.Background(), storage.Options{Path: filepath.Join(dir, "demo.db"), DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestBuildSmallDemo(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	var ran []string
	saved := generators
	t.Cleanup(func() { generators = saved })
	generators = nil
	Register("check", func(ctx context.Context, w *World) error {
		ran = append(ran, "check")
		if len(w.Stations) != 600 || len(w.Observers) != 20 || w.Users["observer1"].ObserverID != w.Observers[0].ID ||
			w.Observers[0].User == nil || len(w.Observers[0].Stations) == 0 || w.Options.Incidents != 7 || w.Rand == nil {
			t.Errorf("world: %d stations, %d observers, users %v", len(w.Stations), len(w.Observers), w.Users)
		}
		return nil
	})
	res, err := Build(ctx, s, Options{Stations: 600, Observers: 20, Incidents: 7, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.Stations != 600 || res.Observers != 20 || len(ran) != 1 {
		t.Fatalf("result %+v, generators run %v", res, ran)
	}
	el := res.Election
	if el.Code != ElectionCode || el.Name != ElectionName {
		t.Errorf("election %+v", el)
	}
	regions, err := s.RegionSummaries(ctx, el.ID)
	if err != nil || len(regions) != 21 {
		t.Fatalf("%d regions, %v", len(regions), err)
	}
	zones := map[string]string{}
	for _, st := range mustStations(t, s, el.ID) {
		if prev, ok := zones[st.RegionCode]; ok && prev != st.Timezone && st.RegionCode != "abroad" {
			t.Errorf("region %s has zones %s and %s", st.RegionCode, prev, st.Timezone)
		}
		zones[st.RegionCode] = st.Timezone
		if st.RegisteredVoters == nil || *st.RegisteredVoters <= 0 || st.Lat == nil || st.Address == "" || st.DistrictID == 0 {
			t.Fatalf("station %+v is incomplete", st)
		}
	}
	for region, zone := range map[string]string{"atyrau": "Asia/Atyrau", "mangystau": "Asia/Aqtau", "west-kazakhstan": "Asia/Oral",
		"aktobe": "Asia/Aqtobe", "almaty": "Asia/Almaty"} {
		if zones[region] != zone {
			t.Errorf("%s stations are in %q, want %s", region, zones[region], zone)
		}
	}
	if _, err := s.StationByCode(ctx, el.ID, "USA-1"); err != nil {
		t.Errorf("no station in Washington: %v", err)
	}

	// Accounts sign in with the demo password; observer1 is OBS-0001 in Almaty.
	u, err := s.Authenticate(ctx, "observer1", Password)
	if err != nil || u.Role != report.RoleObserver {
		t.Fatalf("observer1: %+v %v", u, err)
	}
	o, _ := s.Observer(ctx, u.ObserverID)
	assigned, _ := s.AssignedStations(ctx, o.ID, el.ID)
	if o.Code != "OBS-0001" || o.RegionCode != "almaty" || len(assigned) == 0 || assigned[0].RegionCode != "almaty" {
		t.Errorf("observer1 is %+v at %+v", o, assigned)
	}
	if c, err := s.Authenticate(ctx, "coordinator-almaty", Password); err != nil || c.RegionCode != "almaty" {
		t.Errorf("coordinator-almaty: %+v %v", c, err)
	}
	if contact, err := s.ObserverContact(ctx, o.ID); err != nil || contact.Name == "" || !strings.HasPrefix(contact.Phone, "+7 7") {
		t.Errorf("contact %+v %v", contact, err)
	}

	// A second start reuses the election and runs nothing again.
	res2, err := Build(ctx, s, Options{Stations: 50, Seed: 1})
	if err != nil || res2.Created || res2.Stations != 600 || len(ran) != 1 {
		t.Errorf("second build: %+v, %v (generators run %d times)", res2, err, len(ran))
	}
}

func mustStations(t *testing.T, s *storage.Store, election int64) []report.Station {
	t.Helper()
	sts, err := s.ElectionStations(context.Background(), election)
	if err != nil {
		t.Fatal(err)
	}
	return sts
}

func TestDemoIsDeterministic(t *testing.T) {
	a := Stations(rand.New(rand.NewPCG(7, 0x0b5e7e7)), 1000)
	b := Stations(rand.New(rand.NewPCG(7, 0x0b5e7e7)), 1000)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different stations")
	}
	c := Stations(rand.New(rand.NewPCG(8, 0x0b5e7e7)), 1000)
	if reflect.DeepEqual(a, c) {
		t.Fatal("another seed gave the same stations")
	}
	if len(a) != 1000 {
		t.Fatalf("%d stations, want 1000", len(a))
	}
	if errs := report.ValidateStations(a); len(errs) > 0 {
		t.Fatalf("generated stations are invalid: %v", errs)
	}
	oa := Observers(rand.New(rand.NewPCG(7, 1)), a, 50)
	ob := Observers(rand.New(rand.NewPCG(7, 1)), a, 50)
	if !reflect.DeepEqual(oa, ob) || len(oa) != 50 {
		t.Fatal("observers are not deterministic")
	}
	if errs := report.ValidateObservers(oa); len(errs) > 0 {
		t.Fatalf("generated observers are invalid: %v", errs)
	}
}

func TestApportion(t *testing.T) {
	for _, tc := range []struct {
		n       int
		weights []int
		want    []int
	}{
		{10, []int{1, 1}, []int{5, 5}},
		{10, []int{3, 1}, []int{7, 3}},
		{2, []int{5, 5, 5}, []int{1, 1, 0}},
		{7, []int{1, 1, 1}, []int{3, 2, 2}},
		{0, []int{1}, []int{0}},
	} {
		if got := apportion(tc.n, tc.weights); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("apportion(%d, %v) = %v, want %v", tc.n, tc.weights, got, tc.want)
		}
	}
}

func TestDemoRefusesRealData(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	if _, err := s.CreateElection(ctx, "kz-2026", "Real", "2026-03-15", "", report.User{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(ctx, s, Options{Stations: 20}); !errors.Is(err, ErrNotDemo) {
		t.Fatalf("demo wrote into a database with real data: %v", err)
	}
}

func TestBuildTenThousandQuickly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 10,000 stations")
	}
	s := openStore(t)
	saved := generators
	t.Cleanup(func() { generators = saved })
	generators = nil
	start := time.Now()
	res, err := Build(context.Background(), s, Options{Seed: 1})
	took := time.Since(start)
	if err != nil || res.Stations != 10000 || res.Observers != 333 {
		t.Fatalf("%+v, %v", res, err)
	}
	t.Logf("10,000 stations and %d observers in %v", res.Observers, took.Round(time.Millisecond))
}
