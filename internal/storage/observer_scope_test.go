package storage

import (
	"context"
	"testing"
)

func TestObserverAssignedInRegion(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	el, other := testElection(t, s, "kz-test"), testElection(t, s, "kz-other")
	if _, err := importCSV(t, s, el, stationsV1); err != nil {
		t.Fatal(err)
	}
	if _, err := importCSV(t, s, other, stationsV1); err != nil {
		t.Fatal(err)
	}
	if _, err := importObserversCSV(t, s, el, observersV1); err != nil {
		t.Fatal(err)
	}
	regionOf := func(code string) string {
		st, err := s.StationByCode(ctx, el.ID, code)
		if err != nil {
			t.Fatal(err)
		}
		return st.RegionCode
	}
	almaty, abroad := regionOf("071-023"), regionOf("USA-1")
	cases := []struct {
		election int64
		code     string
		region   string
		want     bool
	}{
		{el.ID, "OBS-0001", almaty, true},     // assigned to 071-023 and 071-024
		{el.ID, "OBS-0001", abroad, false},    // not there
		{el.ID, "OBS-0003", abroad, true},     // USA-1
		{el.ID, "OBS-0003", almaty, false},    //
		{el.ID, "OBS-0002", "astana", false},  // its home region, but no station assigned
		{el.ID, "OBS-9999", almaty, false},    // no such observer
		{other.ID, "OBS-0001", almaty, false}, // the same stations in another election: not assigned there
	}
	for _, c := range cases {
		got, err := s.ObserverAssignedInRegion(ctx, c.election, c.code, c.region)
		if err != nil || got != c.want {
			t.Errorf("%s in %s (election %d): %v, %v; want %v", c.code, c.region, c.election, got, err, c.want)
		}
	}
}
