package storage

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/observerkz/observer/internal/report"
)

const testTOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

// Issue 16, finding 5: a code is accepted once; it and earlier steps are refused.
func TestTOTPCodeIsAcceptedOnce(t *testing.T) {
	now := time.Date(2026, 3, 15, 10, 0, 10, 0, time.UTC)
	dir := t.TempDir()
	s, err := Open(context.Background(), Options{Path: filepath.Join(dir, "t.db"), DataDir: filepath.Join(dir, "d"), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	u := makeUser(t, s, report.RoleAdmin, "chief")
	if err := s.SetTOTPSecret(ctx, u.ID, testTOTPSecret, report.User{}); err != nil {
		t.Fatal(err)
	}
	code := func(at time.Time) string {
		c, err := totp.GenerateCode(testTOTPSecret, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if err := s.CheckTOTP(ctx, u.ID, code(now)); err != nil {
		t.Fatalf("the current code: %v", err)
	}
	if err := s.CheckTOTP(ctx, u.ID, code(now)); !errors.Is(err, ErrWrongCode) {
		t.Errorf("the same code again: %v", err)
	}
	if err := s.CheckTOTP(ctx, u.ID, code(now.Add(-30*time.Second))); !errors.Is(err, ErrWrongCode) {
		t.Errorf("the previous window's code after the current one: %v", err)
	}
	if err := s.CheckTOTP(ctx, u.ID, code(now.Add(30*time.Second))); err != nil {
		t.Errorf("the next window's code: %v", err)
	}
	if err := s.CheckTOTP(ctx, u.ID, code(now.Add(90*time.Second))); !errors.Is(err, ErrWrongCode) {
		t.Errorf("a code three windows ahead: %v", err)
	}
	if err := s.EnableTOTP(ctx, u.ID, testTOTPSecret, code(now), report.User{}); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckTOTP(ctx, u.ID, code(now)); !errors.Is(err, ErrWrongCode) {
		t.Errorf("the code that enrolled signed in: %v", err)
	}
}

// Issue 16, finding 8: TOTP secrets are sealed with the personal-data key; secrets
// an older version stored in clear are sealed when the database is opened.
func TestTOTPSecretSealed(t *testing.T) {
	dir := t.TempDir()
	opt := Options{Path: filepath.Join(dir, "t.db"), DataDir: filepath.Join(dir, "d")}
	ctx := context.Background()
	s, err := Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	a := makeUser(t, s, report.RoleAdmin, "chief")
	b := makeUser(t, s, report.RoleCoordinator, "coord")
	if err := s.SetTOTPSecret(ctx, a.ID, testTOTPSecret, report.User{}); err != nil {
		t.Fatal(err)
	}
	// An older version's row: the secret in clear.
	if _, err := s.rw.Exec("UPDATE users SET totp_secret = ? WHERE id = ?", testTOTPSecret, b.ID); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(ctx, opt); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range []int64{a.ID, b.ID} {
		var stored string
		s.ro.QueryRow("SELECT totp_secret FROM users WHERE id = ?", id).Scan(&stored)
		if !strings.HasPrefix(stored, sealedPrefix) || strings.Contains(stored, testTOTPSecret) {
			t.Errorf("user %d: the secret is stored as %q", id, stored)
		}
		c, _ := totp.GenerateCode(testTOTPSecret, time.Now())
		if err := s.CheckTOTP(ctx, id, c); err != nil {
			t.Errorf("user %d: the sealed secret does not check: %v", id, err)
		}
	}
	if _, err := s.VerifyAuditChain(ctx); err != nil {
		t.Errorf("the audit chain after sealing: %v", err)
	}
}

func makeUser(t *testing.T, s *Store, role report.Role, login string) report.User {
	t.Helper()
	ctx := context.Background()
	var id int64
	if err := s.Write(ctx, func(tx *Tx) error {
		var err error
		id, err = CreateUser(tx, NewUser{Login: login, Password: "long enough pw", Role: role}, report.User{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	u, err := s.User(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
