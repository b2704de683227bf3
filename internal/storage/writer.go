package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// ErrClosed is returned for writes submitted after Close.
var ErrClosed = errors.New("store: closed")

// Tx is one submission's view of the group's transaction. Each submission runs in
// a savepoint of its own: when it fails, only its own changes are undone.
type Tx struct {
	tx *sql.Tx
	// ctx is the submitter's context without its cancellation: once started, a
	// submission runs to its end, so its outcome is one the caller can be told.
	ctx   context.Context
	store *Store
	batch *batchState
}

type batchState struct {
	now      time.Time
	prevHash string
	lastID   int64
	touched  []int64 // stations whose statistics changed (may repeat)
	memo     *refMemo
}

// refMemo is what the writer has read of the records submissions refer to: the
// elections' checklists, stations and observer codes. The writer keeps it from
// one transaction to the next and drops all of it whenever it may be stale: when
// another connection has committed (PRAGMA data_version, read as each
// transaction begins), when a submission runs a statement other than the
// writer's fixed ones (none of those changes what is kept here), and when a
// submission is undone or a commit fails.
type refMemo struct {
	schemas   map[int64]report.StatsSchema
	byCode    map[stationKey]report.Station
	byID      map[int64]report.Station
	observers map[string]int64 // code → id, 0 for a code not found
	codes     map[int64]string
}

type stationKey struct {
	election int64
	code     string
}

func newRefMemo() *refMemo {
	return &refMemo{schemas: map[int64]report.StatsSchema{}, byCode: map[stationKey]report.Station{},
		byID: map[int64]report.Station{}, observers: map[string]int64{}, codes: map[int64]string{}}
}

func (m *refMemo) remember(st report.Station) {
	m.byID[st.ID], m.byCode[stationKey{st.ElectionID, st.Code}] = st, st
}

// reset empties the memo in place (the record writers of a submission hold it).
func (m *refMemo) reset() {
	clear(m.schemas)
	clear(m.byCode)
	clear(m.byID)
	clear(m.observers)
	clear(m.codes)
}

// exec runs a statement in the transaction. Raw SQL stays inside storage: callers
// outside get the named operations (CreateUser, EnsureObserver, Audit, ...).
func (t *Tx) exec(query string, args ...any) (sql.Result, error) {
	if st := t.store.w.stmts[query]; st != nil {
		return t.tx.StmtContext(t.ctx, st).ExecContext(t.ctx, args...)
	}
	t.batch.memo.reset() // a statement other than the writer's own may change what it remembers
	return t.tx.ExecContext(t.ctx, query, args...)
}

// schema returns the election's checklists and categories as this transaction
// sees them, remembered in the writer's refMemo.
func (t *Tx) schema(electionID int64) (report.StatsSchema, error) {
	if s, ok := t.batch.memo.schemas[electionID]; ok {
		return s, nil
	}
	s, err := statsSchema(t.ctx, txQuerier{t}, electionID)
	if err != nil {
		return s, err
	}
	t.batch.memo.schemas[electionID] = s
	return s, nil
}

// queryRow runs a query in the transaction.
func (t *Tx) queryRow(query string, args ...any) *sql.Row {
	if st := t.store.w.stmts[query]; st != nil {
		return t.tx.StmtContext(t.ctx, st).QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

// query runs a query in the transaction.
func (t *Tx) query(query string, args ...any) (*sql.Rows, error) {
	if st := t.store.w.stmts[query]; st != nil {
		return t.tx.StmtContext(t.ctx, st).QueryContext(t.ctx, args...)
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
		err := t.queryRow(auditHeadSQL).Scan(&t.batch.lastID, &t.batch.prevHash)
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
	if _, err := t.exec(insertAuditSQL, e.ID, fmtTime(e.At), e.ActorID, e.Actor, e.Action, e.Entity, e.EntityID, e.ElectionID, e.Before, e.After, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("store: unable to append to the audit log: %w", err)
	}
	t.batch.prevHash, t.batch.lastID = e.Hash, e.ID
	return nil
}

type writeReq struct {
	ctx  context.Context
	fn   func(*Tx) error
	errc chan error
}

// writer is the one goroutine that writes. Submissions that queue while it commits
// (SQLite fsyncs the WAL inside COMMIT at synchronous=FULL) go into the next
// transaction together: one fsync then covers them all. That is group commit, and
// all of it is the loop in group.
type writer struct {
	s        *Store
	reqs     chan writeReq
	quit     chan struct{}
	done     chan struct{}
	maxBatch int
	once     sync.Once
	stmts    map[string]*sql.Stmt // writerStatements, read-only once started
	memo     *refMemo
	// dataVersion is PRAGMA data_version as the last transaction began: it moves
	// when another connection commits.
	dataVersion int64

	mu       sync.Mutex
	onCommit []func(stations []int64)
}

func startWriter(s *Store, maxBatch int, stmts map[string]*sql.Stmt) *writer {
	w := &writer{s: s, reqs: make(chan writeReq, 4*maxBatch), quit: make(chan struct{}), done: make(chan struct{}),
		maxBatch: maxBatch, stmts: stmts, memo: newRefMemo()}
	go w.loop()
	return w
}

func (w *writer) stop() {
	w.once.Do(func() { close(w.quit) })
	<-w.done
	closeStatements(w.stmts)
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
	req := writeReq{ctx: ctx, fn: fn, errc: make(chan error, 1)}
	select {
	case <-s.w.quit:
		return ErrClosed
	case s.w.reqs <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, wait for the outcome even if the caller gives up: the caller must
	// not be told "failed" about a write that then commits. A request that slipped
	// into the queue as the store closed (the queue has room, so the send can win
	// over quit) is answered before the writer stops, or never ran.
	select {
	case err := <-req.errc:
		return err
	case <-s.w.done:
		select {
		case err := <-req.errc:
			return err
		default:
			return ErrClosed
		}
	}
}

func (w *writer) loop() {
	defer close(w.done)
	for {
		select {
		case first := <-w.reqs:
			w.group(first)
		case <-w.quit:
			// Commit what is still queued before stopping.
			for {
				select {
				case r := <-w.reqs:
					w.group(r)
				default:
					return
				}
			}
		}
	}
}

// group runs first and whatever is queued behind it, up to maxBatch, each in its
// own savepoint of one transaction, commits, and only then answers them all.
func (w *writer) group(first writeReq) {
	ctx := context.Background()
	st := &batchState{now: w.s.now(), memo: w.memo}
	tx, err := w.s.rw.BeginTx(ctx, nil)
	if err != nil {
		first.errc <- fmt.Errorf("store: unable to begin a transaction: %w", err)
		return
	}
	var version int64
	if err := tx.StmtContext(ctx, w.stmts[dataVersionSQL]).QueryRowContext(ctx).Scan(&version); err != nil || version != w.dataVersion {
		w.memo.reset()
		w.dataVersion = version
	}
	batch := []writeReq{first}
	errs := []error{w.runOne(tx, st, first)}
fill:
	for len(batch) < w.maxBatch {
		select {
		case r := <-w.reqs:
			batch = append(batch, r)
			errs = append(errs, w.runOne(tx, st, r))
		default:
			break fill
		}
	}
	if err := tx.Commit(); err != nil {
		w.memo.reset()
		for _, r := range batch {
			r.errc <- fmt.Errorf("store: unable to commit: %w", err)
		}
		return
	}
	w.notify(st.touched)
	for i, r := range batch {
		r.errc <- errs[i]
	}
}

// notify tells the commit's listeners which stations changed. Listeners hear of a
// commit before any of its writers is answered, so a client that reads after its
// write returns sees statistics that include it.
func (w *writer) notify(touched []int64) {
	if len(touched) == 0 {
		return
	}
	seen := make(map[int64]bool, len(touched))
	var stations []int64
	for _, id := range touched {
		if !seen[id] {
			seen[id] = true
			stations = append(stations, id)
		}
	}
	w.mu.Lock()
	fs := w.onCommit
	w.mu.Unlock()
	for _, f := range fs {
		f(stations)
	}
}

// runOne runs one submission in a savepoint, so its failure undoes only its own work.
func (w *writer) runOne(tx *sql.Tx, st *batchState, r writeReq) (err error) {
	if err := r.ctx.Err(); err != nil {
		return err // the caller gave up before it ran: nothing of it is written
	}
	t := &Tx{tx: tx, ctx: context.WithoutCancel(r.ctx), store: w.s, batch: st}
	if _, err := t.exec(savepointSQL); err != nil {
		return fmt.Errorf("store: unable to open a savepoint: %w", err)
	}
	prevHash, lastID, touched := st.prevHash, st.lastID, len(st.touched)
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: write panicked: %v", p)
		}
		if err != nil {
			t.exec(rollbackToSQL)
			st.prevHash, st.lastID, st.touched = prevHash, lastID, st.touched[:touched]
			st.memo.reset()
		}
		t.exec(releaseSQL)
	}()
	return r.fn(t)
}
