package replica

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/litestream"

	"github.com/observerkz/observer/internal/demo"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// replicaURL is the replica the rehearsal runs against: a folder here, or the
// S3-compatible server .ci/run starts (OBSERVER_TEST_S3, a bucket URL).
func replicaURL(t *testing.T, name string) string {
	if base := os.Getenv("OBSERVER_TEST_S3"); base != "" {
		u := strings.SplitN(base, "?", 2)
		return fmt.Sprintf("%s/%s-%d?%s", strings.TrimSuffix(u[0], "/"), name, time.Now().UnixNano(), u[1])
	}
	return "file://" + filepath.Join(t.TempDir(), name)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type primary struct {
	store   *storage.Store
	rep     *Replicator
	el      report.Election
	station report.Station
	actor   report.User
}

func (p *primary) file(t *testing.T, ctx context.Context, clientID string) int64 {
	t.Helper()
	id, _, err := p.store.SaveIncident(ctx, report.Incident{ElectionID: p.el.ID, ClientID: clientID, StationID: p.station.ID,
		Phase: report.Phase("voting"), Category: "other", OccurredAt: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC), Description: "rehearsal " + clientID}, p.actor)
	if err != nil {
		t.Fatalf("file %s: %v", clientID, err)
	}
	return id
}

// caughtUp waits until the replica holds everything the primary has, evidence too.
func caughtUp(t *testing.T, rep *Replicator) Status {
	t.Helper()
	if err := rep.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		st := rep.Status()
		if st.Local > 0 && st.Position == st.Local && len(st.EvidencePending) == 0 && st.LastError == "" {
			return st
		}
	}
	t.Fatalf("the replica did not catch up: %+v", rep.Status())
	return Status{}
}

// TestRehearseTakeover is the README's takeover runbook: a primary replicates, a
// standby follows, the primary is lost, the standby's database is served (a new
// epoch, new ids far above the old), and everything the replica had is there and
// checks out. The old replica path and the old primary are refused afterwards.
func TestRehearseTakeover(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	url := replicaURL(t, "rep")
	ps, err := storage.Open(ctx, storage.Options{Path: filepath.Join(dir, "primary.db"), Replicating: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := demo.Build(ctx, ps, demo.Options{Stations: 40, Observers: 10, Incidents: 6, Seed: 7, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := ps.UserByLogin(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	sts, err := ps.ElectionStations(ctx, res.Election.ID)
	if err != nil {
		t.Fatal(err)
	}
	target, err := Parse(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Start(ctx, target, ps.Path(), ps.DataDir(), ps.Epoch(), quiet(), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &primary{store: ps, rep: rep, el: res.Election, station: sts[0], actor: admin}
	ids := map[string]int64{}
	for i := range 20 {
		c := fmt.Sprintf("before-standby-%d", i)
		ids[c] = p.file(t, ctx, c)
	}
	caughtUp(t, rep)

	// The standby, with the key folder copied once.
	sdir := t.TempDir()
	sdb, sdata := filepath.Join(sdir, "standby.db"), filepath.Join(sdir, "data")
	if err := CopyKeys("", sdata); err == nil {
		t.Fatal("standby without --keys was not refused")
	}
	if err := CopyKeys(ps.DataDir(), sdata); err != nil {
		t.Fatal(err)
	}
	sctx, stopStandby := context.WithCancel(ctx)
	standbyDone := make(chan error, 1)
	ready := make(chan struct{})
	go func() { standbyDone <- Standby(sctx, target, sdb, sdata, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-standbyDone:
		t.Fatalf("standby stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("standby did not start")
	}
	for i := range 30 {
		c := fmt.Sprintf("while-following-%d", i)
		ids[c] = p.file(t, ctx, c)
	}
	st := caughtUp(t, rep)
	epochBefore := ps.Epoch()
	// The standby has applied what the replica holds.
	deadline := time.Now().Add(30 * time.Second)
	for {
		txid, err := litestream.ReadTXIDFile(sdb)
		if err == nil && uint64(txid) >= st.Position {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("standby at %v (%v), replica at %d", txid, err, st.Position)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The primary is lost (its store stops answering); the standby is stopped and served.
	lost := time.Now()
	stopStandby()
	if err := <-standbyDone; err != nil {
		t.Fatalf("standby: %v", err)
	}
	origin, err := ReadOrigin(sdb)
	if err != nil || origin == nil || origin.MadeBy != "standby" || origin.DataDir != sdata {
		t.Fatalf("origin %+v, %v", origin, err)
	}
	ns, err := storage.Open(ctx, storage.Options{Path: sdb, DataDir: origin.DataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	epoch, err := ns.NewEpoch(ctx, "rehearsal takeover")
	if err != nil {
		t.Fatal(err)
	}
	if err := Served(sdb); err != nil {
		t.Fatal(err)
	}
	t.Logf("takeover (stop standby, open, new epoch) took %s", time.Since(lost).Round(time.Millisecond))
	if epoch == epochBefore || ns.Epoch() != epoch {
		t.Fatalf("epoch %q after takeover, %q before", epoch, epochBefore)
	}
	for c, id := range ids {
		in, err := ns.Incident(ctx, id)
		if err != nil || in.ClientID != c {
			t.Fatalf("incident %d (%s) after takeover: %+v, %v", id, c, in.ClientID, err)
		}
	}
	// New ids start far above any the old primary handed out.
	np := &primary{store: ns, el: p.el, station: p.station, actor: admin}
	next := np.file(t, ctx, "after-takeover")
	if next < 2_000_000 {
		t.Fatalf("first id after takeover %d, want ≥ 2,000,000", next)
	}
	if again := np.file(t, ctx, "after-takeover-2"); again != next+1 {
		t.Fatalf("second id after takeover %d, want %d", again, next+1)
	}
	// A resend of an acknowledged submission by its client_id finds the same record.
	if again := np.file(t, ctx, "while-following-3"); again != ids["while-following-3"] {
		t.Fatalf("resend by client_id gave id %d, want %d", again, ids["while-following-3"])
	}
	rep2, err := checkStore(ctx, ns)
	if err != nil || len(rep2.Missing) > 0 || rep2.Verified == 0 {
		t.Fatalf("check after takeover: %+v, %v", rep2, err)
	}
	// The standby will not resume on a served database.
	if err := Standby(ctx, target, sdb, sdata, nil); err == nil || !strings.Contains(err.Error(), "has been served") {
		t.Fatalf("standby resumed on a served database: %v", err)
	}
	// The new primary may not replicate to the old path (another primary's).
	if _, err := Start(ctx, target, ns.Path(), ns.DataDir(), ns.Epoch(), quiet(), nil); err == nil || !strings.Contains(err.Error(), "another primary") {
		t.Fatalf("the new primary replicated over the old one's replica: %v", err)
	}
	newURL := replicaURL(t, "rep2")
	nt, err := Parse(ctx, newURL)
	if err != nil {
		t.Fatal(err)
	}
	// (The new primary's own replication is not started here: its store was opened
	// without Replicating. The old primary returning to the new path is refused.)
	if err := nt.setOwner(ctx, ns.Epoch()); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(ctx, nt, ps.Path(), ps.DataDir(), epochBefore, quiet(), nil); err == nil || !strings.Contains(err.Error(), "another primary") {
		t.Fatalf("a returning old primary was let write to the new primary's replica: %v", err)
	}
	ps.Close()
	if err := rep.Close(ctx); err != nil {
		t.Logf("closing the old primary's replication: %v", err)
	}
}

// checkStore is storage's check on an open store's file and data folder.
func checkStore(ctx context.Context, s *storage.Store) (storage.CheckReport, error) {
	return storage.CheckDatabase(ctx, s.Path(), s.DataDir())
}
