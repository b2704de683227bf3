package storage

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/observerkz/observer/internal/report"
)

// schemaCache keeps each election's checklists and categories, read once and then
// reused while checklist_version (moved by triggers on every change, from any
// connection) stays the same. Without it every submission re-read three tables
// inside the writer, a sixth of its time.
type schemaCache struct {
	mu sync.Mutex
	m  map[int64]cachedSchema
}

type cachedSchema struct {
	version int64
	schema  report.StatsSchema
}

// schema returns the election's schema as db sees it, from the cache when db's
// checklist_version is the one cached. The caller gets its own copy.
func (s *Store) schema(ctx context.Context, db querier, electionID int64) (report.StatsSchema, error) {
	var version int64
	rows, err := db.QueryContext(ctx, "SELECT n FROM checklist_version WHERE id = 1")
	if err != nil {
		return report.StatsSchema{}, fmt.Errorf("store: unable to read the checklist version: %w", err)
	}
	if rows.Next() {
		err = rows.Scan(&version)
	}
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return report.StatsSchema{}, fmt.Errorf("store: unable to read the checklist version: %w", err)
	}
	schema, err := s.sharedSchema(ctx, db, electionID, version)
	return cloneSchema(schema), err
}

// sharedSchema is schema when db's checklist_version is known to be version, and
// without the copy: the cache's own, which the caller must only read (validation
// rules do; each submission copying it was 1.5 KB of garbage).
func (s *Store) sharedSchema(ctx context.Context, db querier, electionID, version int64) (report.StatsSchema, error) {
	s.schemas.mu.Lock()
	c, ok := s.schemas.m[electionID]
	s.schemas.mu.Unlock()
	if ok && c.version == version {
		return c.schema, nil
	}
	schema, err := statsSchema(ctx, db, electionID)
	if err != nil {
		return schema, err
	}
	s.schemas.mu.Lock()
	if s.schemas.m == nil {
		s.schemas.m = map[int64]cachedSchema{}
	}
	// A reader on an older snapshot must not replace a newer entry.
	if old, ok := s.schemas.m[electionID]; !ok || old.version <= version {
		s.schemas.m[electionID] = cachedSchema{version: version, schema: schema}
	}
	s.schemas.mu.Unlock()
	return schema, nil
}

// forget empties the cache: the writer calls it when a submission or a commit is
// undone, since the version it read inside the transaction may be counted again
// by another change.
func (c *schemaCache) forget() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

// cloneSchema copies what callers may change: the map and the category list
// (each checklist's question list is only ever replaced, never written in place).
func cloneSchema(s report.StatsSchema) report.StatsSchema {
	return report.StatsSchema{Checklists: maps.Clone(s.Checklists), Categories: slices.Clone(s.Categories)}
}

// txQuerier lets schema reads inside a write use the writer's prepared statements.
type txQuerier struct{ t *Tx }

func (q txQuerier) QueryContext(_ context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.t.query(query, args...)
}
