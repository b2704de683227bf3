package web

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
)

// snapshot is every table of the database, and the evidence files, one digest each:
// a refused call must leave all of them as they were.
func (fx *accessFixture) snapshot() map[string]string {
	fx.t.Helper()
	out := map[string]string{}
	// One read transaction: every table as of one moment.
	db := rawDB(fx.t, fx.h.store)
	defer db.Close()
	tx, err := db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		fx.t.Fatal(err)
	}
	defer tx.Rollback()
	err = func() error {
		rows, err := tx.Query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
		if err != nil {
			return err
		}
		var tables []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			tables = append(tables, n)
		}
		rows.Close()
		for _, name := range tables {
			if name == "api_token_use" {
				// When a token was last used is noted on its way in, before the
				// route decides: bookkeeping, not a change the call made.
				continue
			}
			rows, err := tx.Query(`SELECT * FROM "` + name + `"`)
			if err != nil {
				return err
			}
			cols, _ := rows.Columns()
			var lines []string
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				lines = append(lines, fmt.Sprintf("%q", vals))
			}
			rows.Close()
			sort.Strings(lines)
			sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
			out[name] = fmt.Sprintf("%d rows %s", len(lines), hex.EncodeToString(sum[:8]))
		}
		return nil
	}()
	if err != nil {
		fx.t.Fatal(err)
	}
	var files []string
	filepath.WalkDir(fx.h.store.DataDir(), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	out["(files)"] = strings.Join(files, "\n")
	return out
}

// changed names what differs between two snapshots.
func changed(before, after map[string]string) []string {
	var out []string
	for k, v := range after {
		if before[k] != v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
