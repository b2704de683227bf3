package storage

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// Queries repeated across commits are prepared once and keep giving the right
// answers; a bad query keeps failing with SQLite's own error, prepared or not.
func TestWriterPreparesRepeatedStatements(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, Options{Path: filepath.Join(dir, "s.db"), DataDir: filepath.Join(dir, "data"), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	const q = "SELECT COUNT(*) FROM elections WHERE code LIKE ?"
	for i := range 5 {
		var n int
		err := s.Write(ctx, func(tx *Tx) error {
			if _, err := tx.exec(`INSERT INTO elections(code, name, date, created_at) VALUES (?, 'E', '2026-01-01', '2026-01-01T00:00:00Z')`,
				"e"+strings.Repeat("x", i)); err != nil {
				return err
			}
			return tx.queryRow(q, "e%").Scan(&n)
		})
		if err != nil || n != i+1 {
			t.Fatalf("write %d: %d elections, %v", i, n, err)
		}
		err = s.Write(ctx, func(tx *Tx) error { _, err := tx.exec("INSERT INTO no_such_table VALUES (1)"); return err })
		if err == nil || !strings.Contains(err.Error(), "no_such_table") {
			t.Fatalf("write %d: a bad statement must fail with SQLite's error, got %v", i, err)
		}
	}
	s.Close() // the cache belongs to the writer goroutine: look once it has stopped
	if s.w.stmts.prepared[q] == nil {
		t.Error("a query used in every commit was never prepared")
	}
}
