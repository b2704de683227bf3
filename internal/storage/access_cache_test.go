package storage

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// testClock is the access cache's clock, moved by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// A token's account is kept in memory; disabling the account here refuses the
// token from the moment the change is acknowledged.
func TestAccessCacheRefusesADisabledAccountAtOnce(t *testing.T) {
	f := newRefFixture(t)
	ctx := context.Background()
	token, err := f.s.CreateAPIToken(ctx, f.obsB.ID, report.User{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // read, then served from memory
		if u, err := f.s.UserByAPIToken(ctx, token); err != nil || u.ID != f.obsB.ID {
			t.Fatalf("token: %v, %v", u.ID, err)
		}
	}
	if err := f.s.DisableUser(ctx, f.obsB.ID, f.coord); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UserByAPIToken(ctx, token); !errors.Is(err, report.ErrNotFound) {
		t.Fatalf("the token of a disabled account still works: %v", err)
	}
}

// A change made by another process is seen within accessMaxAge, or at once after
// this process's next commit.
func TestAccessCacheSeesOtherProcessesWithinASecond(t *testing.T) {
	f := newRefFixture(t)
	ctx := context.Background()
	clock := &testClock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	f.s.access.clock = clock.now
	token, err := f.s.CreateAPIToken(ctx, f.obsB.ID, report.User{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UserByAPIToken(ctx, token); err != nil {
		t.Fatal(err)
	}
	if el, err := f.s.ElectionByCode(ctx, f.el.Code); err != nil || el.Name != f.el.Name {
		t.Fatalf("election: %+v, %v", el, err)
	}

	f.exec("UPDATE api_tokens SET revoked_at = '2026-12-07 09:00:00' WHERE user_id = ?", f.obsB.ID)
	f.exec("UPDATE elections SET name = 'Renamed' WHERE id = ?", f.el.ID)
	clock.add(accessMaxAge - time.Millisecond)
	if _, err := f.s.UserByAPIToken(ctx, token); err != nil {
		t.Logf("(seen before its time: %v)", err)
	}
	clock.add(time.Millisecond)
	if _, err := f.s.UserByAPIToken(ctx, token); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("a token revoked by another process works after %v: %v", accessMaxAge, err)
	}
	if el, err := f.s.ElectionByCode(ctx, f.el.Code); err != nil || el.Name != "Renamed" {
		t.Errorf("an election renamed by another process after %v: %q, %v", accessMaxAge, el.Name, err)
	}

	// At once after a commit of this process's writer.
	f.exec("UPDATE elections SET name = 'Again' WHERE id = ?", f.el.ID)
	if _, err := f.file("071-023"); err != nil {
		t.Fatal(err)
	}
	if el, err := f.s.ElectionByCode(ctx, f.el.Code); err != nil || el.Name != "Again" {
		t.Errorf("after this process's next commit: %q, %v", el.Name, err)
	}
}

// An observer's assigned stations are kept too: a change made here is seen at once,
// one made by another process within a second.
func TestAccessCacheAssignedStations(t *testing.T) {
	f := newRefFixture(t)
	ctx := context.Background()
	clock := &testClock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	f.s.access.clock = clock.now
	codes := func() []string {
		t.Helper()
		list, err := f.s.AssignedStations(ctx, f.obsA.ObserverID, f.el.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, st := range list {
			out = append(out, st.Code)
		}
		return out
	}
	assign := func(codes ...string) {
		t.Helper()
		var ids []int64
		for _, c := range codes {
			ids = append(ids, f.station(c).ID)
		}
		if err := f.s.Write(ctx, func(tx *Tx) error {
			_, err := SetAssignments(tx, f.obsA.ObserverID, f.el.ID, ids, f.coord)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	assign("071-023")
	if got := codes(); len(got) != 1 || got[0] != "071-023" {
		t.Fatalf("assigned: %v", got)
	}
	// The caller's copy is its own.
	list, _ := f.s.AssignedStations(ctx, f.obsA.ObserverID, f.el.ID)
	list[0].Code = "scribbled"
	if got := codes(); got[0] != "071-023" {
		t.Fatalf("a caller's change leaked into the cache: %v", got)
	}

	assign("071-023", "071-024")
	if got := codes(); len(got) != 2 {
		t.Fatalf("after an assignment made here: %v, want two stations at once", got)
	}

	f.exec("DELETE FROM assignments WHERE observer_id = ?", f.obsA.ObserverID)
	f.exec("UPDATE stations SET name = 'Школа 7' WHERE code = '071-023'")
	clock.add(accessMaxAge)
	if got := codes(); len(got) != 0 {
		t.Errorf("assignments removed by another process still listed after %v: %v", accessMaxAge, got)
	}
}
