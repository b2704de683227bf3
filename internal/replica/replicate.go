package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/benbjohnson/litestream"
)

// LagAlert is how far behind a replica may fall before admins are told; they are
// told once per episode, which ends when the replica is back within a sixth of it
// (10 s), so that a lag hovering about the mark is not alerted again and again.
const LagAlert = 60 * time.Second

// Status is what /healthz and the admin page show of a running replication.
type Status struct {
	URL string
	// Lag is the age of the oldest transaction the replica does not hold yet, as
	// Litestream saw it (within a second of its commit), in whole seconds; zero
	// when the replica holds everything.
	Lag time.Duration
	// Since is when the oldest transaction the replica lacks was first seen (zero
	// when it holds everything).
	Since time.Time
	// Position is the last transaction the replica holds; Local the database's.
	Position, Local uint64
	// EvidencePending are evidence files kept here but not yet copied there.
	EvidencePending []string
	// LastError is the latest failure to reach the replica ("" after a success).
	LastError string
}

// A Replicator copies the database (Litestream) and the evidence files to a Target
// in the background. Nothing in it is on a submission's path: a replica that fails
// or is slow makes the copy fall behind (shown as lag), never a submission wait.
type Replicator struct {
	t     *Target
	ldb   *litestream.DB
	ls    *litestream.Store
	files *evidenceCopier
	log   *slog.Logger

	mu sync.Mutex
	// seen are the database's positions as first observed, oldest first, down to
	// the first the replica does not hold yet: the lag is the age of that one.
	seen   []seenPos
	status Status
	// alerted: this episode of lag was alerted; lagAlert is LagAlert (in-package
	// tests lower it).
	alerted  bool
	lagAlert time.Duration
	stop     context.CancelFunc
	done     chan struct{}
	onAlert  func(Status)
}

// Start begins replicating the database at dbPath (owned by epoch) and the evidence
// files under dataDir. It refuses a replica another primary writes to, and one
// ahead of this database. onAlert, if given, is called when the lag passes
// LagAlert, once until the replica catches up again; it must not block (it runs in
// the goroutine that watches the lag).
func Start(ctx context.Context, t *Target, dbPath, dataDir, epoch string, log *slog.Logger, onAlert func(Status)) (*Replicator, error) {
	owner, err := t.owner(ctx)
	if err != nil {
		return nil, err
	}
	remote, err := t.maxTXID(ctx)
	if err != nil {
		return nil, err
	}
	ldb := litestream.NewDB(dbPath)
	switch {
	case owner == "" && remote > 0:
		return nil, fmt.Errorf("replica %s already holds a database that is not marked as this one's: replicate to a new path", t.URL)
	case owner != "" && owner != epoch:
		return nil, fmt.Errorf("replica %s belongs to another primary (epoch %s; this database's is %s): after a takeover replicate to a new path, so that a returning old primary cannot write over it", t.URL, owner, epoch)
	}
	local, err := ldb.Pos()
	if err != nil {
		return nil, fmt.Errorf("replica: unable to read the database's replication position: %w", err)
	}
	// A database with no replication position of its own (a copy of the file, a
	// backup served, its Litestream folder lost) is behind any replica that holds
	// something: Litestream would take the replica's last position as its own and
	// write the older state over it.
	if remote > uint64(local.TXID) {
		return nil, fmt.Errorf("replica %s is ahead of this database (transaction %d there, %d here): another primary wrote there; replicate to a new path", t.URL, remote, local.TXID)
	}
	if owner == "" {
		if err := t.setOwner(ctx, epoch); err != nil {
			return nil, err
		}
	}
	r := litestream.NewReplicaWithClient(ldb, t.db)
	ldb.Replica = r
	ls := litestream.NewStore([]*litestream.DB{ldb}, litestream.CompactionLevels{
		{Level: 0},
		{Level: 1, Interval: 10 * time.Second},
		{Level: 2, Interval: 5 * time.Minute},
	})
	ls.Logger = log.With("system", "litestream")
	if err := ls.Open(ctx); err != nil {
		return nil, fmt.Errorf("replica %s: unable to start replicating: %w", t.URL, err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	rep := &Replicator{t: t, ldb: ldb, ls: ls, log: log, stop: stop, done: make(chan struct{}), onAlert: onAlert,
		files: newEvidenceCopier(t, dataDir, log), lagAlert: LagAlert}
	rep.status.URL = t.URL
	go rep.run(runCtx)
	return rep, nil
}

func (rep *Replicator) run(ctx context.Context) {
	defer close(rep.done)
	filesDone := make(chan struct{})
	go func() { rep.files.run(ctx); close(filesDone) }()
	defer func() { <-filesDone }()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			rep.observe()
		}
	}
}

// observe compares the database's position with the replica's (both in memory).
func (rep *Replicator) observe() {
	local, err := rep.ldb.Pos()
	remote := uint64(rep.ldb.Replica.Pos().TXID)
	now := time.Now()
	rep.mu.Lock()
	// Litestream forgets its position after a failed sync (zero until the replica
	// answers again); the replica still holds the last one it reached.
	remote = max(remote, rep.status.Position)
	if err == nil && (len(rep.seen) == 0 || uint64(local.TXID) > rep.seen[len(rep.seen)-1].txid) {
		rep.seen = append(rep.seen, seenPos{now, uint64(local.TXID)})
	}
	for len(rep.seen) > 0 && rep.seen[0].txid <= remote {
		rep.seen = rep.seen[1:]
	}
	rep.status.Local, rep.status.Position = uint64(local.TXID), remote
	rep.status.Lag, rep.status.Since = 0, time.Time{}
	if len(rep.seen) > 0 {
		rep.status.Lag, rep.status.Since = now.Sub(rep.seen[0].at).Truncate(time.Second), rep.seen[0].at
	}
	rep.status.EvidencePending, rep.status.LastError = rep.files.pending()
	if sync := rep.ldb.LastSuccessfulSyncAt(); rep.status.LastError == "" && !sync.IsZero() && now.Sub(sync) > 10*time.Second && rep.status.Lag > 0 {
		rep.status.LastError = "no successful sync since " + sync.UTC().Format(time.RFC3339)
	}
	fire := rep.status.Lag > rep.lagAlert && !rep.alerted
	if fire {
		rep.alerted = true
	} else if rep.status.Lag <= rep.lagAlert/6 {
		rep.alerted = false
	}
	st := rep.status
	rep.mu.Unlock()
	if fire {
		rep.log.Error("replica is behind", "replica", st.URL, "lag_s", int(st.Lag.Seconds()), "position", st.Position, "local", st.Local)
		if rep.onAlert != nil {
			rep.onAlert(st)
		}
	}
}

type seenPos struct {
	at   time.Time
	txid uint64
}

// Status is the latest observation.
func (rep *Replicator) Status() Status {
	rep.mu.Lock()
	defer rep.mu.Unlock()
	st := rep.status
	st.EvidencePending = append([]string(nil), st.EvidencePending...)
	return st
}

// Close stops replicating after a last sync. Litestream's README asks that the
// application's own connections be closed first: call it after the store's Close.
func (rep *Replicator) Close(ctx context.Context) error {
	rep.stop()
	<-rep.done
	err := rep.ls.Close(ctx)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// Sync copies what the database holds now to the replica and waits for it (the
// background copy does the same within about a second).
func (rep *Replicator) Sync(ctx context.Context) error {
	if err := rep.ldb.SyncAndWait(ctx); err != nil {
		return fmt.Errorf("replica %s: %w", rep.t.URL, err)
	}
	rep.observe()
	return nil
}
