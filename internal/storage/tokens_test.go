package storage

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// Issue 16, finding 4: a token stops working when it expires or is revoked, alone;
// its last use is kept.
func TestAPITokenExpiryRevokeAndUse(t *testing.T) {
	var offset atomic.Int64
	start := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	now := func() time.Time { return start.Add(time.Duration(offset.Load())) }
	dir := t.TempDir()
	s, err := Open(context.Background(), Options{Path: filepath.Join(dir, "t.db"), DataDir: filepath.Join(dir, "d"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	u := makeUser(t, s, report.RoleCoordinator, "coord")
	short, shortID, err := s.CreateNamedAPIToken(ctx, u.ID, "results script", 48*time.Hour, report.User{})
	if err != nil {
		t.Fatal(err)
	}
	long, err := s.CreateAPIToken(ctx, u.ID, report.User{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.UserByAPIToken(ctx, short); err != nil || got.ID != u.ID {
		t.Fatalf("a new token: %v %v", got, err)
	}
	list, err := s.APITokens(ctx, u.ID)
	if err != nil || len(list) != 2 || list[1].Name != "results script" || list[1].LastUsed == nil || !list[1].LastUsed.Equal(start) ||
		list[0].LastUsed != nil || !list[0].ExpiresAt.Equal(start.Add(TokenTTL)) {
		t.Fatalf("tokens: %+v %v", list, err)
	}
	offset.Store(int64(48 * time.Hour))
	if _, err := s.UserByAPIToken(ctx, short); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("an expired token: %v", err)
	}
	if _, err := s.UserByAPIToken(ctx, long); err != nil {
		t.Errorf("the other token: %v", err)
	}
	other := makeUser(t, s, report.RoleCoordinator, "someone")
	if err := s.RevokeAPIToken(ctx, shortID+1, other.ID, other); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("revoking someone else's token: %v", err)
	}
	if err := s.RevokeAPIToken(ctx, shortID+1, u.ID, u); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByAPIToken(ctx, long); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("a revoked token: %v", err)
	}
}
