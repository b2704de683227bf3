package storage

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// accessCache keeps the account of each API token, each election by code and each
// observer's assigned stations: every API call looks the first two up (a tenth of a
// counting form's CPU went to the two reads), every form page the third (5 % of the
// election-day mix).
//
// An entry is trusted while the cache's generation is the one it was read at, and
// for at most accessMaxAge. The generation moves when this process's writer, after
// a commit, finds access_version changed (triggers on users, api_tokens, elections,
// assignments, stations, regions and districts move it, whoever writes): a token revoked or an account disabled here
// is refused from the moment the change is acknowledged. A change by another
// process (the command line) is seen at that writer's next commit, or when the
// entry ages out, within a second.
type accessCache struct {
	generation atomic.Int64
	seen       int64 // access_version as the writer last read it (writer goroutine only)
	clock      func() time.Time

	mu        sync.Mutex
	tokens    map[string]accessEntry[report.User] // by token hash
	elections map[string]accessEntry[report.Election]
	assigned  map[assignedKey]accessEntry[[]report.Station]
}

type assignedKey struct{ observer, election int64 }

type accessEntry[T any] struct {
	v          T
	generation int64
	at         time.Time
}

const (
	accessMaxAge = time.Second
	// accessMax bounds each map; past it the map starts afresh.
	accessMax = 1 << 16
)

func (c *accessCache) now() time.Time {
	if c.clock != nil {
		return c.clock()
	}
	return time.Now()
}

func accessGet[K comparable, T any](c *accessCache, m *map[K]accessEntry[T], key K) (T, bool) {
	c.mu.Lock()
	e, ok := (*m)[key]
	c.mu.Unlock()
	if !ok || e.generation != c.generation.Load() || c.now().Sub(e.at) >= accessMaxAge {
		var zero T
		return zero, false
	}
	return e.v, true
}

// accessPut keeps v, read after generation was loaded.
func accessPut[K comparable, T any](c *accessCache, m *map[K]accessEntry[T], key K, v T, generation int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if *m == nil || len(*m) >= accessMax {
		*m = map[K]accessEntry[T]{}
	}
	(*m)[key] = accessEntry[T]{v: v, generation: generation, at: c.now()}
}

// accessVersionQuery reads the counter; the writer runs it at the end of each group,
// inside the transaction (nothing else can write then: the value is the one the
// commit makes), with its prepared statements.
const accessVersionQuery = "SELECT n FROM access_version WHERE id = 1"

// accessAfterCommit is called by the writer after each commit, before anyone is
// answered, with access_version as the commit left it (err: it could not be read).
func (s *Store) accessAfterCommit(n int64, err error) {
	c := &s.access
	if err != nil || n != c.seen {
		c.seen = n
		c.generation.Add(1)
	}
}

// accessThrough returns the entry for key, else what read gives (kept when found).
func accessThrough[K comparable, T any](c *accessCache, m *map[K]accessEntry[T], key K, read func() (T, error)) (T, error) {
	if v, ok := accessGet(c, m, key); ok {
		return v, nil
	}
	g := c.generation.Load()
	v, err := read()
	if err == nil {
		accessPut(c, m, key, v, g)
	}
	return v, err
}
