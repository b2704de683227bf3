package storage

import (
	"context"
	"database/sql"
	"log/slog"
)

// stmtCache keeps the writer's statements prepared on its one connection, so a
// burst of forms does not make SQLite parse and plan the same statement thousands
// of times (that parsing was a third of the writer's CPU). Those that change rows
// (Tx.Exec) are run from their second use by directStmts instead, so this cache
// holds the queries, and an Exec statement only when directStmts declines it.
//
// A statement cannot be prepared on the database while the writer's transaction
// holds the only connection, so a query met for the first time runs unprepared
// and is prepared between commits, once it has been seen twice (queries built
// with a varying number of placeholders then rarely take a place). The cache is
// bounded; it belongs to the writer goroutine and needs no lock.
type stmtCache struct {
	prepared map[string]*sql.Stmt
	wanted   map[string]int
}

const stmtCacheSize = 256

// get returns the query's prepared statement bound to tx, or nil when the query
// has to run unprepared this time.
func (c *stmtCache) get(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	if st, ok := c.prepared[query]; ok {
		if st == nil {
			return nil
		}
		return tx.StmtContext(ctx, st)
	}
	if len(c.prepared)+len(c.wanted) < 2*stmtCacheSize {
		c.wanted[query]++
	}
	return nil
}

// prepareWanted prepares, outside any transaction, the queries seen more than once.
func (c *stmtCache) prepareWanted(db *sql.DB) {
	for q, n := range c.wanted {
		if n < 2 {
			continue
		}
		delete(c.wanted, q)
		if len(c.prepared) >= stmtCacheSize {
			continue
		}
		st, err := db.PrepareContext(context.Background(), q)
		if err != nil {
			// Not fatal: the query keeps running unprepared, where its error shows.
			slog.Warn("store: unable to prepare a statement", "err", err)
			c.prepared[q] = nil
			continue
		}
		c.prepared[q] = st
	}
	if len(c.wanted) >= stmtCacheSize {
		clear(c.wanted)
	}
}

func (c *stmtCache) close() {
	for _, st := range c.prepared {
		if st != nil {
			st.Close()
		}
	}
}
