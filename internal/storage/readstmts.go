package storage

import (
	"context"
	"database/sql"
	"sync"
)

// readStmts keeps the queries every request makes (who is calling: a session or
// an API token, then the account) prepared on the read pool, so SQLite does not
// parse them again for each of thousands of requests a minute. Only for fixed
// query texts, and never from inside a read transaction (preparing may need a
// free connection of the pool).
type readStmts struct {
	m sync.Map // query → *sql.Stmt
}

// readRow runs a single-row query on the read pool with a prepared statement.
func (s *Store) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st, ok := s.reads.m.Load(query); ok {
		return st.(*sql.Stmt).QueryRowContext(ctx, args...)
	}
	st, err := s.ro.PrepareContext(ctx, query)
	if err != nil {
		// The unprepared query reports the same error where the caller reads it.
		return s.ro.QueryRowContext(ctx, query, args...)
	}
	if prev, loaded := s.reads.m.LoadOrStore(query, st); loaded {
		st.Close()
		st = prev.(*sql.Stmt)
	}
	return st.QueryRowContext(ctx, args...)
}

func (r *readStmts) close() {
	r.m.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
}
