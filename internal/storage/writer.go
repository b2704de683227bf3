package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// ErrClosed is returned for writes submitted after Close.
var ErrClosed = errors.New("store: closed")

// Tx is one submission's view of the group-commit transaction. Each submission runs
// inside its own savepoint: when it fails, only its own changes are undone.
type Tx struct {
	tx *sql.Tx
	// wrote says a statement was executed (exec): a submission that fails after
	// that has changed the transaction.
	wrote bool
	// ctx is the submitter's context without its cancellation: a submission in a
	// batch runs to its end (its outcome is then reported as for any other), and the
	// driver starts no watcher goroutine per statement (4 % of a counting form's CPU).
	ctx   context.Context
	store *Store
	batch *batchState
}

type batchState struct {
	now      time.Time
	prevHash string
	lastID   int64
	touched  []int64 // stations whose statistics changed (may repeat)
	// versions are the checklist and reference versions read by the group's record
	// writes, kept while nothing else ran: nothing outside this transaction can
	// write during it, and new forms and incidents do not move them.
	versions *recordVersions
}

// recordVersions are the counters the writer's caches of checklists and of
// stations and observers trust (newRecordWriter).
type recordVersions struct{ checklists, references int64 }

// exec runs a statement in the transaction. Raw SQL stays inside storage: callers
// outside get the named operations (CreateUser, EnsureObserver, Audit, ...).
func (t *Tx) exec(query string, args ...any) (sql.Result, error) {
	t.wrote = true
	w := t.store.w
	if res, ok, err := w.direct.exec(t.ctx, w.conn, query, args); ok {
		return res, err
	}
	if st := w.stmts.get(t.ctx, t.tx, query); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, query, args...)
}

// queryRow runs a query in the transaction.
func (t *Tx) queryRow(query string, args ...any) *sql.Row {
	if st := t.store.w.stmts.get(t.ctx, t.tx, query); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

// query runs a query in the transaction.
func (t *Tx) query(query string, args ...any) (*sql.Rows, error) {
	if st := t.store.w.stmts.get(t.ctx, t.tx, query); st != nil {
		return st.QueryContext(t.ctx, args...)
	}
	return t.tx.QueryContext(t.ctx, query, args...)
}

// Now is the time of this commit, in UTC.
func (t *Tx) Now() time.Time { return t.batch.now }

// Touch records that a station's statistics changed in this transaction.
func (t *Tx) Touch(stationID int64) { t.batch.touched = append(t.batch.touched, stationID) }

// Audit appends one entry to the hash-chained audit log.
func (t *Tx) Audit(e report.AuditEntry) error {
	if t.batch.prevHash == "" {
		err := t.queryRow("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").Scan(&t.batch.lastID, &t.batch.prevHash)
		if errors.Is(err, sql.ErrNoRows) {
			t.batch.prevHash, t.batch.lastID = report.GenesisHash, 0
		} else if err != nil {
			return fmt.Errorf("store: unable to read the audit chain head: %w", err)
		}
	}
	e.ID = t.batch.lastID + 1
	e.At = t.batch.now
	e.PrevHash = t.batch.prevHash
	e.Hash = report.ChainHash(e)
	if _, err := t.exec(`INSERT INTO audit_log(id, at, actor_id, actor, action, entity, entity_id, election_id, before, after, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, fmtTime(e.At), e.ActorID, e.Actor, e.Action, e.Entity, e.EntityID, e.ElectionID, e.Before, e.After, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("store: unable to append to the audit log: %w", err)
	}
	t.batch.prevHash, t.batch.lastID = e.Hash, e.ID
	return nil
}

type writeReq struct {
	ctx  context.Context
	fn   func(*Tx) error
	errc chan error
	// record marks a new form or incident (writeRecord): it changes no version.
	record bool
}

type writer struct {
	s        *Store
	reqs     chan writeReq
	quit     chan struct{}
	done     chan struct{}
	maxBatch int
	once     sync.Once
	stmts    stmtCache // used by the writer goroutine only
	direct   directStmts
	// conn is the connection of the group that runs (nil between groups): its
	// transaction and the direct statements run on it.
	conn *sql.Conn

	// sync, when set, makes each batch durable after its commit (walsync.go);
	// without it the connection's synchronous level does (FULL: inside COMMIT).
	sync *walSyncer

	mu       sync.Mutex
	onCommit []func(stations []int64)
}

// startWriter starts the writer goroutine. durable asks for every answer to come
// after an fsync: by the syncer when the WAL file can be opened, else by SQLite
// itself (synchronous=FULL, as the connection was opened).
func startWriter(s *Store, maxBatch int, durable bool) *writer {
	w := &writer{s: s, reqs: make(chan writeReq, 4*maxBatch), quit: make(chan struct{}), done: make(chan struct{}), maxBatch: maxBatch,
		stmts:  stmtCache{prepared: map[string]*sql.Stmt{}, wanted: map[string]int{}},
		direct: directStmts{stmts: map[string]driver.Stmt{}, seen: map[string]bool{}}}
	if _, err := s.rw.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint=%d", writerAutoCheckpoint)); err != nil {
		slog.Warn("store: the writer's automatic checkpoint stays at SQLite's default", "err", err)
	}
	if durable {
		w.startSyncer()
	}
	go w.loop()
	return w
}

// startSyncer moves the commit's fsync to the syncer and the connection to
// synchronous=NORMAL; on any failure the connection stays at FULL.
func (w *writer) startSyncer() {
	ws, err := openWALSyncer(w.s.path, w.notify)
	if err != nil {
		slog.Warn("store: fsyncs stay inside each commit", "err", err)
		return
	}
	if _, err := w.s.rw.Exec("PRAGMA synchronous=NORMAL"); err != nil {
		slog.Warn("store: fsyncs stay inside each commit", "err", err)
		ws.close()
		return
	}
	w.sync = ws
}

// broken is the error every write gets after the disk failed to keep one.
func (w *writer) broken() error {
	if w.sync == nil {
		return nil
	}
	return w.sync.broken()
}

func (w *writer) stop() {
	w.once.Do(func() { close(w.quit) })
	<-w.done
	if w.sync != nil {
		w.sync.close()
	}
	w.stmts.close()
	if conn, err := w.s.rw.Conn(context.Background()); err == nil {
		w.direct.close(conn)
		conn.Close()
	}
}

// OnCommit registers f to be called after every commit with the stations whose
// statistics the commit changed (the statistics cache listens here).
func (s *Store) OnCommit(f func(stations []int64)) {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	s.w.onCommit = append(s.w.onCommit, f)
}

// Write runs fn in the writer's next group commit and returns once that commit is
// on disk (or fn failed, in which case none of fn's changes are kept).
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	return s.write(ctx, writeReq{ctx: ctx, fn: fn, errc: make(chan error, 1)})
}

// writeRecord is Write for a new observation or incident, which moves none of the
// versions newRecordWriter reads: the next record of the group reuses them.
func (s *Store) writeRecord(ctx context.Context, fn func(*Tx) error) error {
	return s.write(ctx, writeReq{ctx: ctx, fn: fn, errc: make(chan error, 1), record: true})
}

func (s *Store) write(ctx context.Context, req writeReq) error {
	select {
	case <-s.w.quit:
		return ErrClosed
	case s.w.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, wait for the outcome even if the caller gives up: the caller must
	// not be told "failed" about a write that then commits.
	return <-req.errc
}

func (w *writer) loop() {
	defer close(w.done)
	for {
		select {
		case first := <-w.reqs:
			w.group(first, false)
		case <-w.quit:
			// Commit what is still queued before stopping.
			for {
				select {
				case r := <-w.reqs:
					w.group(r, true)
				default:
					return
				}
			}
		}
		w.stmts.prepareWanted(w.s.rw)
	}
}

// group runs first and the submissions that follow it in one transaction and
// commits them. It commits as soon as nothing more is queued, except while the
// syncer is still fsyncing the previous group: the submissions arriving meanwhile
// run in this transaction, so the disk's work and the next group's overlap and
// each commit carries as many submissions as came during one fsync. alone commits
// first by itself (used when stopping).
func (w *writer) group(first writeReq, alone bool) {
	ctx := context.Background()
	if err := w.broken(); err != nil {
		first.errc <- err
		return
	}
	st := &batchState{now: w.s.now()}
	conn, err := w.s.rw.Conn(ctx)
	if err != nil {
		first.errc <- fmt.Errorf("store: unable to begin a transaction: %w", err)
		return
	}
	w.conn = conn
	defer func() {
		w.conn = nil
		conn.Close()
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		first.errc <- fmt.Errorf("store: unable to begin a transaction: %w", err)
		return
	}
	var batch []writeReq
	var errs []error
	// While only new forms and incidents have run in the transaction they run
	// without a savepoint each: a savepoint copies every page the submission
	// touches into SQLite's sub-journal (~4 % of a form's CPU, on the one writer).
	// Should one fail after writing, the transaction is undone and begun again, and
	// the ones before it run again, each in its own savepoint (records only read
	// and write the database: running one again gives the same rows and answer).
	bare := true
	var failed error // the group could not go on: every submission gets it
	run := func(r writeReq) {
		batch = append(batch, r)
		if err := r.ctx.Err(); err != nil {
			errs = append(errs, err)
			return
		}
		if r.record && bare {
			err, wrote := w.runBare(tx, st, r)
			errs = append(errs, err)
			if err != nil && wrote {
				bare = false
				tx, st, failed = w.redo(ctx, tx, st, batch, errs)
			}
			return
		}
		bare = false
		if !r.record {
			st.versions = nil
		}
		errs = append(errs, w.runOne(ctx, tx, st, r))
		if !r.record {
			st.versions = nil
		}
	}
	run(first)
fill:
	for !alone && failed == nil && len(batch) < w.maxBatch {
		select {
		case r := <-w.reqs:
			run(r)
			continue
		default:
		}
		if w.sync == nil || w.sync.idle() {
			break
		}
		select {
		case r := <-w.reqs:
			run(r)
		case <-w.sync.idled:
		case <-w.quit:
			break fill
		}
	}
	if failed != nil {
		if tx != nil {
			tx.Rollback()
		}
		w.forgetVersions()
		for _, r := range batch {
			r.errc <- failed
		}
		return
	}
	var access int64
	accessErr := (&Tx{tx: tx, ctx: ctx, store: w.s, batch: st}).queryRow(accessVersionQuery).Scan(&access)
	if err := tx.Commit(); err != nil {
		w.forgetVersions()
		for _, r := range batch {
			r.errc <- fmt.Errorf("store: unable to commit: %w", err)
		}
		return
	}
	w.s.accessAfterCommit(access, accessErr)
	var stations []int64
	if len(st.touched) > 0 {
		seen := make(map[int64]bool, len(st.touched))
		for _, id := range st.touched {
			if !seen[id] {
				seen[id] = true
				stations = append(stations, id)
			}
		}
	}
	if w.sync != nil {
		// Answered by the syncer once the WAL is on disk; the next batch runs meanwhile.
		w.sync.add(committedBatch{reqs: batch, errs: errs, stations: stations})
		return
	}
	w.notify(stations)
	for i, r := range batch {
		r.errc <- errs[i]
	}
}

// notify tells the commit's listeners which stations changed. Listeners hear of a
// commit before any of its writers is answered, so a client that reads after its
// write returns sees statistics that include it.
func (w *writer) notify(stations []int64) {
	if len(stations) == 0 {
		return
	}
	w.mu.Lock()
	fs := w.onCommit
	w.mu.Unlock()
	for _, f := range fs {
		f(stations)
	}
}

// forgetVersions empties the caches that trust a version counter read inside the
// transaction: once undone, the same count can come back with other content.
func (w *writer) forgetVersions() {
	w.s.schemas.forget()
	w.s.refs.forget()
}

// runBare runs a new form or incident without a savepoint; wrote says whether it
// executed a statement (then its failure left changes behind).
func (w *writer) runBare(tx *sql.Tx, st *batchState, r writeReq) (err error, wrote bool) {
	t := &Tx{tx: tx, ctx: context.WithoutCancel(r.ctx), store: w.s, batch: st}
	defer func() {
		if p := recover(); p != nil {
			err, wrote = fmt.Errorf("store: write panicked: %v", p), true
		}
	}()
	err = r.fn(t)
	return err, t.wrote
}

// redo undoes the transaction after the last of batch failed half-way without a
// savepoint, begins another and runs again, each in its own savepoint, the
// submissions before it that had succeeded (the others keep their errors). It
// returns the new transaction and state, or the error that ends the group.
func (w *writer) redo(ctx context.Context, tx *sql.Tx, st *batchState, batch []writeReq, errs []error) (*sql.Tx, *batchState, error) {
	w.forgetVersions()
	if err := tx.Rollback(); err != nil {
		return nil, st, fmt.Errorf("store: unable to undo a failed submission: %w", err)
	}
	st = &batchState{now: st.now}
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, st, fmt.Errorf("store: unable to begin a transaction: %w", err)
	}
	for i, r := range batch[:len(batch)-1] {
		if errs[i] == nil {
			errs[i] = w.runOne(ctx, tx, st, r)
		}
	}
	return tx, st, nil
}

// runOne runs one submission in a savepoint, so its failure undoes only its own work.
func (w *writer) runOne(ctx context.Context, tx *sql.Tx, st *batchState, r writeReq) (err error) {
	t := &Tx{tx: tx, ctx: context.WithoutCancel(r.ctx), store: w.s, batch: st}
	if _, err := t.exec("SAVEPOINT sub"); err != nil {
		return fmt.Errorf("store: unable to open a savepoint: %w", err)
	}
	prevHash, lastID := st.prevHash, st.lastID
	touched := len(st.touched)
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: write panicked: %v", p)
		}
		if err != nil {
			tx.ExecContext(ctx, "ROLLBACK TO sub")
			st.prevHash, st.lastID, st.touched = prevHash, lastID, st.touched[:touched]
			st.versions = nil
			w.forgetVersions()
		}
		t.exec("RELEASE sub")
	}()
	return r.fn(t)
}
