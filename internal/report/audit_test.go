package report

import (
	"strings"
	"testing"
	"time"
)

func chain(n int) []AuditEntry {
	prev := GenesisHash
	var out []AuditEntry
	for i := 1; i <= n; i++ {
		e := AuditEntry{ID: int64(i), At: time.Date(2026, 3, 15, 8, i, 0, 0, time.UTC), Actor: "coord", Action: AuditStatus,
			Entity: "incident", EntityID: "7", Before: `{"status":"new"}`, After: `{"status":"verified"}`, PrevHash: prev}
		e.Hash = ChainHash(e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func verify(es []AuditEntry, partial bool) error {
	v := &ChainVerifier{Partial: partial}
	for _, e := range es {
		if err := v.Next(e); err != nil {
			return err
		}
	}
	return nil
}

func TestChainVerifies(t *testing.T) {
	if err := verify(chain(5), false); err != nil {
		t.Fatal(err)
	}
}

func TestChainFindsFirstBrokenLink(t *testing.T) {
	es := chain(5)
	es[2].After = `{"status":"rejected"}` // edited in place
	err := verify(es, false)
	ce, ok := err.(*ChainError)
	if !ok || ce.EntryID != 3 || !strings.Contains(ce.Reason, "edited") {
		t.Fatalf("got %v", err)
	}
	// Recomputing the edited entry's hash does not help: the next link breaks.
	es[2].Hash = ChainHash(es[2])
	ce, _ = verify(es, false).(*ChainError)
	if ce == nil || ce.EntryID != 4 {
		t.Fatalf("got %v", ce)
	}
	// A removed entry is a gap.
	es = chain(5)
	es = append(es[:1], es[2:]...)
	ce, _ = verify(es, false).(*ChainError)
	if ce == nil || ce.EntryID != 3 || !strings.Contains(ce.Reason, "missing") {
		t.Fatalf("got %v", ce)
	}
}

func TestChainPartialExtract(t *testing.T) {
	es := chain(6)
	extract := []AuditEntry{es[1], es[4]} // not contiguous, as in an evidence pack
	if err := verify(extract, true); err != nil {
		t.Fatal(err)
	}
	extract[1].Actor = "someone else"
	if err := verify(extract, true); err == nil {
		t.Fatal("edited entry in an extract not found")
	}
}

func TestPassword(t *testing.T) {
	if _, err := HashPassword("short"); err == nil || err.(*PasswordError).Reason != PasswordShort {
		t.Fatalf("short password: %v", err)
	}
	h, err := HashPassword("correct horse battery")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("%q %v", h, err)
	}
	if ok, _ := CheckPassword(h, "correct horse battery"); !ok {
		t.Fatal("right password refused")
	}
	if ok, _ := CheckPassword(h, "correct horse batterz"); ok {
		t.Fatal("wrong password accepted")
	}
	if _, err := CheckPassword("$2a$10$bcrypt", "x"); err == nil {
		t.Fatal("non-argon2id hash accepted")
	}
}
