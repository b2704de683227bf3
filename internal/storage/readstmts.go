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
	if st := s.readStmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	// The unprepared query reports the same error where the caller reads it.
	return s.ro.QueryRowContext(ctx, query, args...)
}

// preparedReads is the read pool as a querier whose queries are prepared.
type preparedReads struct{ s *Store }

func (p preparedReads) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.s.readStmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.s.ro.QueryContext(ctx, query, args...)
}

func (s *Store) readStmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := s.reads.m.Load(query); ok {
		return st.(*sql.Stmt)
	}
	st, err := s.ro.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if prev, loaded := s.reads.m.LoadOrStore(query, st); loaded {
		st.Close()
		st = prev.(*sql.Stmt)
	}
	return st
}

func (r *readStmts) close() {
	r.m.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
}
