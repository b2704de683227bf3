package storage

import (
	"context"
	"fmt"
	"sync"
)

// accessMemo keeps the answers of UserByAPIToken and SessionByCookie (the
// account behind a token or a session cookie, looked up by every request) while
// access_version stays the same. Triggers (migration 0023) move that number
// whenever a row of users, api_tokens or sessions changes or goes, whoever
// changes it, so a revoked token or a disabled account is refused from the next
// request. Each request still reads access_version: one row, where the full
// look-up joins three tables. Expiry is checked on every use.
type accessMemo struct {
	mu       sync.Mutex
	version  int64
	tokens   map[string]tokenAccess // by token hash
	sessions map[string]Session     // by session id (the cookie's hash)
}

// accessMemoMax bounds the memo: past it, it starts again empty.
const accessMemoMax = 100_000

// accessVersion reads access_version; the memo's entries stored at another
// version are dropped. Read it before looking anything up, so that what is then
// read from the tables is at least as new as the version it is kept under.
func (s *Store) accessVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.readRow(ctx, "SELECT n FROM access_version WHERE id = 1").Scan(&v); err != nil {
		return 0, fmt.Errorf("store: unable to read the access version: %w", err)
	}
	m := &s.access
	m.mu.Lock()
	defer m.mu.Unlock()
	if v != m.version || m.tokens == nil || len(m.tokens)+len(m.sessions) > accessMemoMax {
		m.version, m.tokens, m.sessions = v, map[string]tokenAccess{}, map[string]Session{}
	}
	return v, nil
}

func (m *accessMemo) token(hash string) (tokenAccess, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[hash]
	return t, ok
}

func (m *accessMemo) session(id string) (Session, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	sess, ok := m.sessions[id]
	return sess, ok
}

// keepToken and keepSession store an entry read at version v, unless the version
// has moved on since.
func (m *accessMemo) keepToken(v int64, hash string, t tokenAccess) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v == m.version && m.tokens != nil {
		m.tokens[hash] = t
	}
}

func (m *accessMemo) keepSession(v int64, sess Session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v == m.version && m.sessions != nil {
		m.sessions[sess.ID] = sess
	}
}
