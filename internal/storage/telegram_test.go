package storage

import (
	"context"
	"errors"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// A link token is spent once; the same Telegram user sending the same /start again
// (Telegram re-sends an update whose answer failed) finds the link made, while
// anyone else is refused.
func TestLinkTelegramOnceAndAgainBySameUser(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	u := makeUser(t, s, report.RoleCoordinator, "tg-coord")
	tok, err := s.CreateTelegramLinkToken(ctx, u, "kk")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.LinkTelegram(ctx, tok, 501, 9001); err != nil || got.ID != u.ID {
		t.Fatalf("first use: %+v %v", got, err)
	}
	if got, err := s.LinkTelegram(ctx, tok, 501, 9001); err != nil || got.ID != u.ID {
		t.Fatalf("the same /start again: %+v %v", got, err)
	}
	if _, err := s.LinkTelegram(ctx, tok, 502, 9002); !errors.Is(err, ErrLinkToken) {
		t.Fatalf("another Telegram user with a spent token: %v", err)
	}
	if acc, err := s.TelegramAccount(ctx, 501); err != nil || acc.ID != u.ID {
		t.Fatalf("the link: %+v %v", acc, err)
	}
	if _, err := s.TelegramAccount(ctx, 502); !errors.Is(err, report.ErrNotFound) {
		t.Fatalf("a refused user is linked: %v", err)
	}
	if _, err := s.LinkTelegram(ctx, "not-a-token", 501, 9001); !errors.Is(err, ErrLinkToken) {
		t.Fatalf("an unknown token: %v", err)
	}
}
