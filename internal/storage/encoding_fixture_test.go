package storage

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// openBeforeEncodingJSON opens a copy of a database written before content and
// audit hashes were computed with encoding/json (testdata/README.md).
func openBeforeEncodingJSON(t *testing.T) *Store {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "old.db")
	src, err := os.Open("testdata/before-encoding-json.db")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), Options{Path: path, DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOldDatabaseAuditChainVerifies(t *testing.T) {
	s := openBeforeEncodingJSON(t)
	n, err := s.VerifyAuditChain(context.Background())
	if err != nil || n < 146 {
		t.Fatalf("audit chain: %d entries, %v", n, err)
	}
}

// Every stored content hash is what the current code computes for the content read
// back, and every observation's last audit entry is what the current code writes
// for it: a phone resending its queue after the upgrade gets "already saved", not
// "conflict".
func TestOldDatabaseContentHashesAndAuditJSON(t *testing.T) {
	s := openBeforeEncodingJSON(t)
	ctx := context.Background()
	el, err := s.ElectionByCode(ctx, "kz-demo-2026")
	if err != nil {
		t.Fatal(err)
	}
	stored := func(table string, id int64) string {
		var h string
		if err := s.ro.QueryRowContext(ctx, "SELECT content_hash FROM "+table+" WHERE id = ?", id).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	lastAudit := func(entity string, id int64) string {
		var after string
		if err := s.ro.QueryRowContext(ctx, `SELECT after FROM audit_log WHERE entity = ? AND entity_id = ?
			AND action IN ('create', 'update') ORDER BY id DESC LIMIT 1`, entity, id).Scan(&after); err != nil {
			t.Fatal(err)
		}
		return after
	}

	incs, err := s.Incidents(ctx, report.IncidentFilter{ElectionID: el.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(incs) < 17 {
		t.Fatalf("%d incidents in the old database", len(incs))
	}
	for _, in := range incs {
		if got, want := report.IncidentContentHash(in), stored("incidents", in.ID); got != want {
			t.Errorf("incident %s: hash %s, stored %s", in.ClientID, got, want)
		}
	}

	rows, err := s.ro.QueryContext(ctx, "SELECT id FROM observations ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) < 70 {
		t.Fatalf("%d observations in the old database", len(ids))
	}
	withIncidents, updated := 0, 0
	for _, id := range ids {
		o, err := s.Observation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := stored("observations", id)
		// A form keeps the hash of its first submission, with the incidents sent
		// with it, until it is edited; an edit's hash has none.
		bare := report.ObservationContentHash(o)
		if o.Incidents, err = s.IncidentsOfObservation(ctx, id); err != nil {
			t.Fatal(err)
		}
		with := report.ObservationContentHash(o)
		switch want {
		case with:
			if len(o.Incidents) > 0 {
				withIncidents++
			}
		case bare:
			updated++
		default:
			t.Errorf("observation %s: hash %s (or %s without its incidents), stored %s", o.ClientID, with, bare, want)
		}
		if got, want := observationAudit(o), lastAudit("observation", id); got != want {
			t.Errorf("observation %s: audit JSON\n%s\nstored\n%s", o.ClientID, got, want)
		}
	}
	if withIncidents == 0 || updated == 0 {
		t.Fatalf("the old database should hold forms hashed with incidents (%d) and edited ones (%d)", withIncidents, updated)
	}
}
