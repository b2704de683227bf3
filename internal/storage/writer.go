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

// Tx is one submission's view of the group-commit transaction. Each submission runs
// inside its own savepoint: when it fails, only its own changes are undone.
type Tx struct {
	tx *sql.Tx
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
}

// Exec runs a statement in the transaction.
func (t *Tx) Exec(query string, args ...any) (sql.Result, error) {
	if st := t.store.w.stmts.get(t.ctx, t.tx, query); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, query, args...)
}

// QueryRow runs a query in the transaction.
func (t *Tx) QueryRow(query string, args ...any) *sql.Row {
	if st := t.store.w.stmts.get(t.ctx, t.tx, query); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

// Query runs a query in the transaction.
func (t *Tx) Query(query string, args ...any) (*sql.Rows, error) {
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
		err := t.tx.QueryRowContext(t.ctx, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").Scan(&t.batch.lastID, &t.batch.prevHash)
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
	if _, err := t.Exec(`INSERT INTO audit_log(id, at, actor_id, actor, action, entity, entity_id, election_id, before, after, prev_hash, hash)
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
}

type writer struct {
	s        *Store
	reqs     chan writeReq
	quit     chan struct{}
	done     chan struct{}
	maxBatch int
	once     sync.Once
	stmts    stmtCache // used by the writer goroutine only

	mu       sync.Mutex
	onCommit []func(stations []int64)
}

func startWriter(s *Store, maxBatch int) *writer {
	w := &writer{s: s, reqs: make(chan writeReq, 4*maxBatch), quit: make(chan struct{}), done: make(chan struct{}), maxBatch: maxBatch,
		stmts: stmtCache{prepared: map[string]*sql.Stmt{}, wanted: map[string]int{}}}
	go w.loop()
	return w
}

func (w *writer) stop() {
	w.once.Do(func() { close(w.quit) })
	<-w.done
	w.stmts.close()
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
	// not be told "failed" about a write that then commits.
	return <-req.errc
}

func (w *writer) loop() {
	defer close(w.done)
	for {
		var first writeReq
		select {
		case first = <-w.reqs:
		case <-w.quit:
			// Commit what is still queued before stopping.
			for {
				select {
				case r := <-w.reqs:
					w.commit([]writeReq{r})
				default:
					return
				}
			}
		}
		batch := []writeReq{first}
	fill:
		for len(batch) < w.maxBatch {
			select {
			case r := <-w.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		w.commit(batch)
		w.stmts.prepareWanted(w.s.rw)
	}
}

func (w *writer) commit(batch []writeReq) {
	ctx := context.Background()
	errs := make([]error, len(batch))
	st := &batchState{now: w.s.now()}
	tx, err := w.s.rw.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range batch {
			r.errc <- fmt.Errorf("store: unable to begin a transaction: %w", err)
		}
		return
	}
	for i, r := range batch {
		if r.ctx.Err() != nil {
			errs[i] = r.ctx.Err()
			continue
		}
		errs[i] = w.runOne(ctx, tx, st, r)
	}
	if err := tx.Commit(); err != nil {
		w.forgetVersions()
		for _, r := range batch {
			r.errc <- fmt.Errorf("store: unable to commit: %w", err)
		}
		return
	}
	w.s.accessAfterCommit(ctx)
	// Listeners hear of the commit before any writer is answered, so a client that
	// reads after its write returns sees statistics that include it.
	if len(st.touched) > 0 {
		seen := make(map[int64]bool, len(st.touched))
		var stations []int64
		for _, id := range st.touched {
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
	for i, r := range batch {
		r.errc <- errs[i]
	}
}

// forgetVersions empties the caches that trust a version counter read inside the
// transaction: once undone, the same count can come back with other content.
func (w *writer) forgetVersions() {
	w.s.schemas.forget()
	w.s.refs.forget()
}

// runOne runs one submission in a savepoint, so its failure undoes only its own work.
func (w *writer) runOne(ctx context.Context, tx *sql.Tx, st *batchState, r writeReq) (err error) {
	t := &Tx{tx: tx, ctx: context.WithoutCancel(r.ctx), store: w.s, batch: st}
	if _, err := t.Exec("SAVEPOINT sub"); err != nil {
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
			w.forgetVersions()
		}
		tx.ExecContext(ctx, "RELEASE sub")
	}()
	return r.fn(t)
}
