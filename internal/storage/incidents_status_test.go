package storage

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

func TestSetIncidentStatus(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	coord := f.coordinator("coord")
	inc := f.incident("B")
	var mu sync.Mutex
	var touched []int64
	f.s.OnCommit(func(st []int64) { mu.Lock(); touched = append(touched, st...); mu.Unlock() })

	if err := f.s.SetIncidentStatus(ctx, inc, report.StatusVerified, "  seen on the video  ", coord); err != nil {
		t.Fatal(err)
	}
	in, err := f.s.Incident(ctx, inc)
	if err != nil {
		t.Fatal(err)
	}
	if in.Status != report.StatusVerified || in.VerifiedBy != "coord" || in.VerifiedAt == nil || in.VerificationNote != "seen on the video" {
		t.Fatalf("after verifying: %+v", in)
	}
	mu.Lock()
	if !slices.Contains(touched, f.stations["B"]) {
		t.Errorf("statistics not told about station %d (touched %v)", f.stations["B"], touched)
	}
	mu.Unlock()

	if err := f.s.SetIncidentStatus(ctx, inc, report.StatusRejected, "", coord); !errors.Is(err, report.ErrNoteRequired) {
		t.Fatalf("rejecting without a note: %v", err)
	}
	if err := f.s.SetIncidentStatus(ctx, inc, report.StatusRejected, strings.Repeat("я", report.MaxNoteLength+1), coord); !errors.Is(err, report.ErrNoteTooLong) {
		t.Fatalf("a note too long: %v", err)
	}
	if err := f.s.SetIncidentStatus(ctx, inc, report.StatusRejected, "the photo is from another station", coord); err != nil {
		t.Fatal(err)
	}
	// The same again changes nothing and logs nothing.
	if err := f.s.SetIncidentStatus(ctx, inc, report.StatusRejected, "the photo is from another station", coord); err != nil {
		t.Fatal(err)
	}
	in, _ = f.s.Incident(ctx, inc)
	if in.Status != report.StatusRejected {
		t.Fatalf("rejected incident: %+v", in)
	}
	rejected, err := f.s.Incidents(ctx, report.IncidentFilter{ElectionID: f.election, Statuses: []report.Status{report.StatusRejected}})
	if err != nil || len(rejected) != 1 || rejected[0].ID != inc {
		t.Fatalf("rejected incidents are kept and listed: %v %v", rejected, err)
	}

	var entries []report.AuditEntry
	all, _ := f.s.AuditLog(ctx, 0, 100)
	for _, e := range all {
		if e.Action == report.AuditStatus {
			entries = append(entries, e)
		}
	}
	if len(entries) != 2 {
		t.Fatalf("%d status entries, want 2", len(entries))
	}
	last := entries[0] // newest first
	if last.Entity != report.EntityIncident || last.ActorID != coord.ID || last.ElectionID != f.election ||
		last.Before != `{"status":"verified","note":"seen on the video"}` ||
		last.After != `{"status":"rejected","note":"the photo is from another station"}` {
		t.Fatalf("status entry: %+v", last)
	}

	if err := f.s.SetIncidentStatus(ctx, 424242, report.StatusVerified, "", coord); !errors.Is(err, report.ErrNotFound) {
		t.Fatalf("unknown incident: %v", err)
	}
	if err := f.s.SetIncidentStatus(ctx, inc, "approved", "", coord); err == nil {
		t.Fatal("an unknown status was accepted")
	}
	if _, err := f.s.VerifyAuditChain(ctx); err != nil {
		t.Fatal(err)
	}
}
