package web

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/storage"
)

// rawDB opens the store's database file with database/sql beside the store, for
// what tests do below the domain (data sets written row by row, reading every
// table, counting audit entries, tampering as someone holding the file would):
// storage offers raw SQL to no other package, its submission view included. The
// caller closes it.
func rawDB(t testing.TB, st *storage.Store) *sql.DB {
	t.Helper()
	db, err := openRawDB(st)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func openRawDB(st *storage.Store) (*sql.DB, error) {
	return sql.Open("sqlite", "file:"+st.Path()+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate")
}

// rawTx is one raw write of a test; Touch notes a station whose statistics it
// changed.
type rawTx struct {
	*sql.Tx
	now     time.Time
	touched []int64
}

func (t *rawTx) Touch(stationID int64) { t.touched = append(t.touched, stationID) }
func (t *rawTx) Now() time.Time        { return t.now }

// rawWrite runs fn in one transaction on db (the store's file), then tells the
// store's caches which stations changed, as the store's own writes do.
func rawWrite(ctx context.Context, db *sql.DB, st *storage.Store, fn func(*rawTx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	rt := &rawTx{Tx: tx, now: st.Now()}
	if err := fn(rt); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if len(rt.touched) == 0 {
		return nil
	}
	return st.Write(ctx, func(tx *storage.Tx) error {
		for _, id := range rt.touched {
			tx.Touch(id)
		}
		return nil
	})
}
