package storage

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

// The writer's row-changing statements run on the driver's connection from their
// second use, inside the group's transaction, with database/sql's results and
// errors; what cannot run that way runs through database/sql.
func TestDirectStatements(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if err := s.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec("CREATE TABLE direct_t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER, at TEXT)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	const ins = "INSERT INTO direct_t(name, n, at) VALUES (?, ?, ?)"
	var ids []int64
	for i, name := range []string{"a", "b", "c"} {
		err := s.Write(ctx, func(tx *Tx) error {
			res, err := tx.exec(ins, name, sql.NullInt64{Int64: int64(i), Valid: i > 0}, nil)
			if err != nil {
				return err
			}
			id, err := res.LastInsertId()
			if n, _ := res.RowsAffected(); n != 1 {
				t.Errorf("%s: %d rows affected", name, n)
			}
			ids = append(ids, id)
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if ids[0] != 1 || ids[1] != 2 || ids[2] != 3 {
		t.Fatalf("ids %v", ids)
	}
	if _, ok := s.w.direct.stmts[ins]; !ok {
		t.Fatalf("the INSERT met three times is not a direct statement: %v", s.w.direct.stmts)
	}
	// Values as database/sql stores them: NULL for an invalid NullInt64 and for nil.
	var nulls int
	if err := s.ro.QueryRowContext(ctx, "SELECT COUNT(*) FROM direct_t WHERE n IS NULL AND at IS NULL").Scan(&nulls); err != nil || nulls != 1 {
		t.Fatalf("NULLs: %d %v", nulls, err)
	}
	// A constraint's error is the driver's, as through database/sql, and a failed
	// submission leaves nothing (its transaction is undone).
	err := s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ins, "d", 4, nil); err != nil {
			return err
		}
		_, err := tx.exec(ins, "a", 5, nil)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "UNIQUE constraint failed: direct_t.name") {
		t.Fatalf("duplicate name: %v", err)
	}
	// The wrong number of arguments, and an argument the driver cannot take, get
	// the errors database/sql gives.
	for _, args := range [][]any{{"e", 1}, {"e", 1, struct{}{}}} {
		err := s.Write(ctx, func(tx *Tx) error {
			_, err := tx.exec(ins, args...)
			return err
		})
		_, want := s.rw.ExecContext(ctx, ins, args...)
		if err == nil || want == nil || err.Error() != want.Error() {
			t.Errorf("%v: %v; database/sql: %v", args, err, want)
		}
	}
	var names string
	if err := s.ro.QueryRowContext(ctx, "SELECT group_concat(name, '') FROM (SELECT name FROM direct_t ORDER BY id)").Scan(&names); err != nil || names != "abc" {
		t.Fatalf("rows after the failures: %q %v", names, err)
	}
	// A statement that does not prepare runs through database/sql, which reports it.
	for i := 0; i < 2; i++ {
		err := s.Write(ctx, func(tx *Tx) error {
			_, err := tx.exec("INSERT INTO no_such_table VALUES (?)", 1)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "no such table") {
			t.Fatalf("missing table: %v", err)
		}
	}
	if _, ok := s.w.direct.stmts["INSERT INTO no_such_table VALUES (?)"]; ok {
		t.Fatal("a statement that failed to prepare was kept")
	}
}
