package storage

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// A re-enabled account signs in again, but what disabling revoked (its sessions
// and tokens) stays dead; the change is logged with before and after, once.
func TestEnableUser(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var admin, coord int64
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		if admin, err = CreateUser(tx, NewUser{Login: "admin", Password: "long enough pw", Role: report.RoleAdmin}, report.User{}); err != nil {
			return err
		}
		coord, err = CreateUser(tx, NewUser{Login: "coord", Password: "long enough pw", Role: report.RoleCoordinator, RegionCode: "almaty"}, report.User{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	au, _ := s.User(ctx, admin)
	cu, _ := s.User(ctx, coord)
	cookie, _ := s.CreateSession(ctx, cu, true)
	token, _ := s.CreateAPIToken(ctx, coord, au)
	if changed, err := s.EnableUser(ctx, coord, au); err != nil || changed {
		t.Fatalf("enabling an active account: %v, %v", changed, err)
	}
	if err := s.DisableUser(ctx, coord, au); err != nil {
		t.Fatal(err)
	}
	if changed, err := s.EnableUser(ctx, coord, au); err != nil || !changed {
		t.Fatalf("enable: %v, %v", changed, err)
	}
	if u, _ := s.User(ctx, coord); u.DisabledAt != nil {
		t.Fatal("still disabled")
	}
	if _, err := s.SessionByCookie(ctx, cookie); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("the session disabling ended works again: %v", err)
	}
	if _, err := s.UserByAPIToken(ctx, token); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("the token disabling revoked works again: %v", err)
	}
	u, err := s.Authenticate(ctx, "coord", "long enough pw")
	if err != nil || u.ID != coord {
		t.Fatalf("re-enabled user signs in: %+v, %v", u, err)
	}
	fresh, _ := s.CreateSession(ctx, u, true)
	if sess, err := s.SessionByCookie(ctx, fresh); err != nil || sess.User.ID != coord {
		t.Errorf("a new session: %v", err)
	}
	if changed, err := s.EnableUser(ctx, coord, au); err != nil || changed {
		t.Errorf("enabling twice: %v, %v", changed, err)
	}
	if _, err := s.EnableUser(ctx, 999, au); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("an unknown account: %v", err)
	}
	log, err := s.AuditLog(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var enables []report.AuditEntry
	for _, e := range log {
		if e.Entity == "user" && e.EntityID == strconv.FormatInt(coord, 10) && strings.Contains(e.After, `"disabled":false`) {
			enables = append(enables, e)
		}
	}
	if len(enables) != 1 || enables[0].Action != report.AuditPermission || enables[0].Actor != "admin" ||
		!strings.HasPrefix(enables[0].Before, `{"disabled":true,"disabled_at":"`) {
		t.Errorf("audit entries for enabling: %+v", enables)
	}
	if n, err := s.VerifyAuditChain(ctx); err != nil || n == 0 {
		t.Errorf("audit chain: %d, %v", n, err)
	}
}
