package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
)

// directStmts are the writer's row-changing statements (Tx.Exec), prepared on the
// driver's connection and run below database/sql. For each statement database/sql
// binds a new Stmt to the transaction, looks up the connection's copy under locks,
// converts the arguments and wraps the result: about a tenth of what the one
// writer spends on a counting form (its INSERT and its audit entry). Here the
// arguments are converted as database/sql converts them
// (driver.DefaultParameterConverter: the driver checks none itself), and the
// statement runs through the group's connection (sql.Conn.Raw) inside the open
// transaction. A statement is prepared the second time it is met, as the
// writer's other cache does; one that cannot be prepared or run this way (its
// arguments, their number) runs through database/sql, which reports what is
// wrong as before. They belong to the writer goroutine and need no lock.
type directStmts struct {
	owner any // the driver connection the statements were prepared on
	stmts map[string]driver.Stmt
	seen  map[string]bool
	args  []driver.NamedValue // reused: the driver copies what it binds
}

// errNotDirect asks the caller to run the statement through database/sql.
var errNotDirect = errors.New("store: not run directly")

// exec runs query on conn's open transaction; ok is false when it did not run
// (the caller then runs it through database/sql).
func (d *directStmts) exec(ctx context.Context, conn *sql.Conn, query string, args []any) (res sql.Result, ok bool, err error) {
	if conn == nil {
		return nil, false, nil
	}
	ds := d.stmts[query]
	if ds == nil {
		if !d.seen[query] {
			if len(d.seen) >= 2*stmtCacheSize {
				clear(d.seen) // one-off statements: start counting again
			}
			d.seen[query] = true
			return nil, false, nil
		}
		if len(d.stmts) >= stmtCacheSize {
			return nil, false, nil
		}
	}
	nv := d.args[:0]
	for i, a := range args {
		v, err := driver.DefaultParameterConverter.ConvertValue(a)
		if err != nil {
			return nil, false, nil
		}
		nv = append(nv, driver.NamedValue{Ordinal: i + 1, Value: v})
	}
	defer func() {
		clear(nv) // keep no submission's values alive
		d.args = nv[:0]
	}()
	err = conn.Raw(func(dc any) error {
		if dc != d.owner {
			// Another driver connection (database/sql replaced a broken one): the
			// statements of the old one went with it.
			d.owner, ds = dc, nil
			clear(d.stmts)
		}
		if ds == nil {
			p, ok := dc.(driver.ConnPrepareContext)
			if !ok {
				return errNotDirect
			}
			s, err := p.PrepareContext(ctx, query)
			if err != nil {
				return errNotDirect
			}
			if _, ok := s.(driver.StmtExecContext); !ok {
				s.Close()
				return errNotDirect
			}
			d.stmts[query], ds = s, s
		}
		if n := ds.NumInput(); n >= 0 && n != len(nv) {
			return errNotDirect
		}
		r, err := ds.(driver.StmtExecContext).ExecContext(ctx, nv)
		if err == nil {
			res = r
		}
		return err
	})
	if errors.Is(err, errNotDirect) {
		return nil, false, nil
	}
	return res, true, err
}

// close finalises the statements; conn must be the connection they were prepared
// on, still open.
func (d *directStmts) close(conn *sql.Conn) {
	if len(d.stmts) == 0 || conn == nil {
		return
	}
	conn.Raw(func(dc any) error {
		if dc == d.owner {
			for _, s := range d.stmts {
				s.Close()
			}
		}
		return nil
	})
	clear(d.stmts)
}
