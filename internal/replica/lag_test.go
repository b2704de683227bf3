package replica

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/superfly/ltx"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// stallingClient is a replica that stops taking files while stalled: each upload
// waits until it is released (a hung network or disk on the replica's side).
type stallingClient struct {
	litestream.ReplicaClient
	mu      sync.Mutex
	release chan struct{} // nil: not stalled
}

func (c *stallingClient) stall() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.release == nil {
		c.release = make(chan struct{})
	}
}

func (c *stallingClient) resume() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.release != nil {
		close(c.release)
		c.release = nil
	}
}

func (c *stallingClient) WriteLTXFile(ctx context.Context, level int, minTXID, maxTXID ltx.TXID, r io.Reader) (*ltx.FileInfo, error) {
	c.mu.Lock()
	wait := c.release
	c.mu.Unlock()
	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return c.ReplicaClient.WriteLTXFile(ctx, level, minTXID, maxTXID, r)
}

// A replica that stalls: writes go on (none waits for the replica), the lag grows
// and is alerted once, however long the stall lasts; once the replica has caught
// up, a new stall is a new alert.
func TestLagAlertedOncePerEpisode(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := storage.Open(ctx, storage.Options{Path: filepath.Join(dir, "p.db"), Replicating: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	target, err := Parse(ctx, "file://"+filepath.Join(dir, "replica"))
	if err != nil {
		t.Fatal(err)
	}
	client := &stallingClient{ReplicaClient: target.db}
	target.db = client
	alerts := make(chan Status, 10)
	rep, err := Start(ctx, target, st.Path(), st.DataDir(), st.Epoch(), quiet(), func(s Status) { alerts <- s })
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		client.resume()
		st.Close()
		rep.Close(ctx)
	}()
	const threshold = 2 * time.Second
	rep.mu.Lock()
	rep.lagAlert = threshold
	rep.mu.Unlock()
	n := 0
	write := func() {
		t.Helper()
		n++
		if _, err := st.CreateElection(ctx, fmt.Sprintf("e-%d", n), "Election", "2026-12-06", "", report.User{}); err != nil {
			t.Fatal(err)
		}
	}
	write()
	caughtUp(t, rep)

	for episode := 1; episode <= 2; episode++ {
		client.stall()
		stalled := time.Now()
		var got Status
		for got.URL == "" {
			write()
			select {
			case got = <-alerts:
			case <-time.After(300 * time.Millisecond):
			}
			if time.Since(stalled) > 60*time.Second {
				t.Fatalf("episode %d: no alert after 60 s of a stalled replica: %+v", episode, rep.Status())
			}
		}
		if got.Lag <= threshold || got.Since.IsZero() || got.Since.Before(stalled.Add(-time.Second)) || got.URL != target.URL {
			t.Fatalf("episode %d: alert %+v (stalled at %v)", episode, got, stalled)
		}
		// Still stalled, further behind: no second alert.
		for range 10 {
			write()
			time.Sleep(300 * time.Millisecond)
		}
		select {
		case again := <-alerts:
			t.Fatalf("episode %d alerted twice: %+v", episode, again)
		default:
		}
		if lag := rep.Status().Lag; lag <= got.Lag {
			t.Fatalf("episode %d: lag %v, not growing past %v while stalled", episode, lag, got.Lag)
		}
		client.resume()
		caughtUp(t, rep)
		deadline := time.Now().Add(10 * time.Second)
		for rep.Status().Lag > threshold/6 {
			if time.Now().After(deadline) {
				t.Fatalf("lag after catching up: %+v", rep.Status())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// failingClient is a replica out of reach while failing: every call errs.
type failingClient struct {
	litestream.ReplicaClient
	failing atomic.Bool
}

var errUnreachable = errors.New("replica unreachable")

func (c *failingClient) WriteLTXFile(ctx context.Context, level int, minTXID, maxTXID ltx.TXID, r io.Reader) (*ltx.FileInfo, error) {
	if c.failing.Load() {
		return nil, errUnreachable
	}
	return c.ReplicaClient.WriteLTXFile(ctx, level, minTXID, maxTXID, r)
}

func (c *failingClient) LTXFiles(ctx context.Context, level int, seek ltx.TXID, useMetadata bool) (ltx.FileIterator, error) {
	if c.failing.Load() {
		return nil, errUnreachable
	}
	return c.ReplicaClient.LTXFiles(ctx, level, seek, useMetadata)
}

// While the replica fails, the admin page still shows the last position it holds
// (Litestream forgets its own after a failed sync), and the lag grows.
func TestReplicaPositionKeptWhileFailing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := storage.Open(ctx, storage.Options{Path: filepath.Join(dir, "p.db"), Replicating: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	target, err := Parse(ctx, "file://"+filepath.Join(dir, "replica"))
	if err != nil {
		t.Fatal(err)
	}
	client := &failingClient{ReplicaClient: target.db}
	target.db = client
	rep, err := Start(ctx, target, st.Path(), st.DataDir(), st.Epoch(), quiet(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		client.failing.Store(false)
		st.Close()
		rep.Close(ctx)
	}()
	if _, err := st.CreateElection(ctx, "e-1", "Election", "2026-12-06", "", report.User{}); err != nil {
		t.Fatal(err)
	}
	held := caughtUp(t, rep).Position
	client.failing.Store(true)
	if _, err := st.CreateElection(ctx, "e-2", "Election", "2026-12-06", "", report.User{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for rep.Status().Lag < 2*time.Second {
		if time.Now().After(deadline) {
			t.Fatalf("no lag while the replica fails: %+v", rep.Status())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if s := rep.Status(); s.Position != held || s.Local <= held {
		t.Fatalf("while failing: position %d, local %d; the replica holds %d", s.Position, s.Local, held)
	}
}
