package storage

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

func TestVerifyAuditChainFindsTampering(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	coord := f.coordinator("coord")
	for i := 0; i < 5; i++ {
		inc := f.incident("A")
		if err := f.s.SetIncidentStatus(ctx, inc, report.StatusVerified, "ok", coord); err != nil {
			t.Fatal(err)
		}
	}
	var total int
	f.s.ro.QueryRow("SELECT COUNT(*) FROM audit_log").Scan(&total)
	n, err := f.s.VerifyAuditChain(ctx)
	if err != nil || n != total || n < 6 {
		t.Fatalf("intact chain: checked %d of %d, err %v", n, total, err)
	}

	// The triggers keep the log append-only...
	if _, err := f.s.rw.ExecContext(ctx, "UPDATE audit_log SET after = 'x' WHERE id = 4"); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("update allowed: %v", err)
	}
	if _, err := f.s.rw.ExecContext(ctx, "DELETE FROM audit_log WHERE id = 4"); err == nil {
		t.Fatal("delete allowed")
	}
	// ...but someone with the file can drop them; the chain still tells.
	if _, err := f.s.rw.ExecContext(ctx, "DROP TRIGGER audit_log_no_update"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.rw.ExecContext(ctx, `UPDATE audit_log SET after = '{"status":"rejected","note":"ok"}' WHERE id = 4`); err != nil {
		t.Fatal(err)
	}
	n, err = f.s.VerifyAuditChain(ctx)
	var ce *report.ChainError
	if !errors.As(err, &ce) || ce.EntryID != 4 || n != 3 || !strings.Contains(ce.Reason, "edited") {
		t.Fatalf("edited entry 4: checked %d, err %v", n, err)
	}

	// Re-hashing the edited entry does not help: the next link breaks.
	var e report.AuditEntry
	e, err = scanAuditLogEntry(f.s.ro.QueryRow("SELECT " + auditLogColumns + " FROM audit_log WHERE id = 4"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.rw.ExecContext(ctx, "UPDATE audit_log SET hash = ? WHERE id = 4", report.ChainHash(e)); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.VerifyAuditChain(ctx)
	if !errors.As(err, &ce) || ce.EntryID != 5 || !strings.Contains(ce.Reason, "prev_hash") {
		t.Fatalf("re-hashed entry 4: %v", err)
	}
}

func TestVerifyAuditChainFindsDeletion(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		f.incident("A")
		f.s.Write(ctx, func(tx *Tx) error {
			return tx.Audit(report.AuditEntry{Actor: "test", Action: report.AuditCreate, Entity: "incident", EntityID: "x"})
		})
	}
	if _, err := f.s.rw.ExecContext(ctx, "DROP TRIGGER audit_log_no_delete"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.rw.ExecContext(ctx, "DELETE FROM audit_log WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	_, err := f.s.VerifyAuditChain(ctx)
	var ce *report.ChainError
	if !errors.As(err, &ce) || ce.EntryID != 3 || !strings.Contains(ce.Reason, "missing") {
		t.Fatalf("deleted entry 2: %v", err)
	}
}

func TestAuditLogPaging(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	for i := 0; i < 7; i++ {
		f.s.Write(ctx, func(tx *Tx) error {
			return tx.Audit(report.AuditEntry{Actor: "test", Action: report.AuditCreate, Entity: "thing", EntityID: "x"})
		})
	}
	page, err := f.s.AuditLog(ctx, 0, 3)
	if err != nil || len(page) != 3 || page[0].ID != 7 || page[2].ID != 5 {
		t.Fatalf("first page: %v %v", page, err)
	}
	page, _ = f.s.AuditLog(ctx, 5, 3)
	if len(page) != 3 || page[0].ID != 4 || page[2].ID != 2 {
		t.Fatalf("second page: %v", page)
	}
	page, _ = f.s.AuditLog(ctx, 2, 3)
	if len(page) != 1 || page[0].ID != 1 || page[0].Actor != "test" || page[0].At.IsZero() {
		t.Fatalf("last page: %+v", page)
	}
}
