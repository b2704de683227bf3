package loadtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// VerifyReport says whether the database holds exactly what the clients were told
// it holds.
type VerifyReport struct {
	Observations, Incidents, Evidence int // acknowledged, and each checked
	Missing                           int // acknowledged but not in the database
	Incomplete                        int // in the database but not as sent
	Duplicates                        int // stored twice, or one client_id answered with two ids
	Unacked                           int // stored although never acknowledged (a call cut off after its commit)
	AuditChecked                      int
	AuditError                        string
	Integrity                         string
	Problems                          []string // the first few, for the report
}

// OK reports whether nothing was lost, changed or doubled, the audit chain holds and
// SQLite finds the file sound.
func (v VerifyReport) OK() bool {
	return v.Missing == 0 && v.Incomplete == 0 && v.Duplicates == 0 && v.AuditError == "" && v.Integrity == "ok"
}

func (v *VerifyReport) problem(counter *int, format string, args ...any) {
	*counter++
	if len(v.Problems) < 20 {
		v.Problems = append(v.Problems, fmt.Sprintf(format, args...))
	}
}

// Verify opens the database after the run and checks every acknowledged submission
// through the storage package's read API (the same reads the app and its exports
// use), counts what the file holds against the ledger, and runs SQLite's own
// integrity check.
func Verify(ctx context.Context, dbPath, dataDir string, l *Ledger) (VerifyReport, error) {
	var v VerifyReport
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.Mismatches {
		v.problem(&v.Duplicates, "%s", m)
	}
	st, err := storage.Open(ctx, storage.Options{Path: dbPath, DataDir: dataDir})
	if err != nil {
		return v, err
	}
	defer st.Close()
	byClientID, err := checkFile(ctx, st, l, &v)
	if err != nil {
		return v, err
	}
	incidentByClientID := func(clientID string) (int64, error) {
		if id, ok := byClientID[clientID]; ok {
			return id, nil
		}
		return 0, report.ErrNotFound
	}
	ids := map[string]string{} // "observation 12" → client_id, to catch one id given to two submissions
	seen := func(kind string, id int64, clientID string) {
		k := kind + " " + strconv.FormatInt(id, 10)
		if other, ok := ids[k]; ok && other != clientID {
			v.problem(&v.Duplicates, "%s was acknowledged for both %s and %s", k, other, clientID)
		}
		ids[k] = clientID
	}
	for cid, a := range l.Obs {
		v.Observations++
		seen("observation", a.ID, cid)
		got, err := st.Observation(ctx, a.ID)
		if errors.Is(err, report.ErrNotFound) {
			v.problem(&v.Missing, "observation %d (%s, via %s) is missing", a.ID, cid, a.Via)
			continue
		} else if err != nil {
			return v, err
		}
		if diff := diffObservation(a.Sent, got); diff != "" {
			v.problem(&v.Incomplete, "observation %d (%s, via %s): %s", a.ID, cid, a.Via, diff)
		}
	}
	for cid, a := range l.Inc {
		v.Incidents++
		id := a.ID
		if id == 0 {
			if id, err = incidentByClientID(cid); err != nil && !errors.Is(err, report.ErrNotFound) {
				return v, err
			}
		} else {
			seen("incident", a.ID, cid)
		}
		got, err := st.Incident(ctx, id)
		if errors.Is(err, report.ErrNotFound) {
			v.problem(&v.Missing, "incident %d (%s, via %s) is missing", id, cid, a.Via)
			continue
		} else if err != nil {
			return v, err
		}
		if diff := diffIncident(a.Sent, got); diff != "" {
			v.problem(&v.Incomplete, "incident %d (%s, via %s): %s", id, cid, a.Via, diff)
		}
	}
	for _, e := range l.Evidence {
		v.Evidence++
		if e.IncidentID == 0 {
			id, err := incidentByClientID(e.IncidentClientID)
			if err != nil && !errors.Is(err, report.ErrNotFound) {
				return v, err
			}
			e = &AckedEvidence{IncidentID: id, SHA256: e.SHA256, Size: e.Size}
		}
		if err := checkEvidence(ctx, st, e); err != nil {
			if errors.Is(err, report.ErrNotFound) {
				v.problem(&v.Missing, "evidence %s of incident %d: %v", e.SHA256[:12], e.IncidentID, err)
			} else {
				v.problem(&v.Incomplete, "evidence %s of incident %d: %v", e.SHA256[:12], e.IncidentID, err)
			}
		}
	}
	v.AuditChecked, err = st.VerifyAuditChain(ctx)
	if err != nil {
		v.AuditError = err.Error()
	}
	return v, nil
}

func checkEvidence(ctx context.Context, st *storage.Store, e *AckedEvidence) error {
	evs, err := st.EvidenceOf(ctx, e.IncidentID)
	if err != nil {
		return err
	}
	found := false
	for _, ev := range evs {
		if ev.SHA256 == e.SHA256 {
			found = true
			if ev.Size != int64(e.Size) {
				return fmt.Errorf("recorded as %d bytes, sent %d", ev.Size, e.Size)
			}
		}
	}
	if !found {
		return fmt.Errorf("not listed: %w", report.ErrNotFound)
	}
	f, err := st.OpenBlob(e.SHA256)
	if err != nil {
		return fmt.Errorf("file unreadable: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("file unreadable: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != e.SHA256 {
		return fmt.Errorf("file on disk hashes to %s", got[:12])
	}
	return nil
}

// checkFile runs SQLite's integrity check and compares what the file holds with
// the ledger: rows per client_id (none twice), evidence rows per incident and file,
// and rows never acknowledged. It gives the election's incidents by client_id (an
// incident filed through the HTML form is answered by a redirect naming no id).
func checkFile(ctx context.Context, st *storage.Store, l *Ledger, v *VerifyReport) (map[string]int64, error) {
	var err error
	if v.Integrity, err = st.IntegrityCheck(ctx); err != nil {
		return nil, err
	}
	el, err := st.ElectionByCode(ctx, ElectionCode)
	if err != nil {
		return nil, err
	}
	snap, err := st.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer snap.Close()
	f := report.IncidentFilter{ElectionID: el.ID}
	tally := func(what string, rows int, distinct map[string]int64, acked int) {
		if rows != len(distinct) {
			v.problem(&v.Duplicates, "%s: %d rows for %d client_ids", what, rows, len(distinct))
		}
		if rows > acked {
			v.Unacked += rows - acked
		}
	}
	obs, obsRows := map[string]int64{}, 0
	if err := snap.EachObservation(ctx, f, func(o report.Observation) error {
		obs[o.ClientID], obsRows = o.ID, obsRows+1
		return nil
	}); err != nil {
		return nil, err
	}
	tally("observations", obsRows, obs, len(l.Obs))
	inc, incRows, files, fileRows := map[string]int64{}, 0, map[string]bool{}, 0
	if err := snap.EachIncidentEvidence(ctx, f, func(in report.Incident, evs []report.Evidence) error {
		inc[in.ClientID], incRows = in.ID, incRows+1
		for _, e := range evs {
			files[strconv.FormatInt(in.ID, 10)+"/"+e.SHA256], fileRows = true, fileRows+1
		}
		return nil
	}); err != nil {
		return nil, err
	}
	tally("incidents", incRows, inc, len(l.Inc))
	if fileRows != len(files) {
		v.problem(&v.Duplicates, "evidence: %d rows for %d files", fileRows, len(files))
	}
	if fileRows > len(l.Evidence) {
		v.Unacked += fileRows - len(l.Evidence)
	}
	return inc, nil
}

func diffObservation(s Observation, g report.Observation) string {
	switch {
	case g.ClientID != s.ClientID:
		return fmt.Sprintf("client_id %q", g.ClientID)
	case g.Station.Code != s.Station:
		return fmt.Sprintf("station %q, sent %q", g.Station.Code, s.Station)
	case string(g.Phase) != s.Phase:
		return fmt.Sprintf("phase %q, sent %q", g.Phase, s.Phase)
	case string(g.Assessment) != s.Assessment:
		return fmt.Sprintf("assessment %q, sent %q", g.Assessment, s.Assessment)
	case g.Notes != s.Notes:
		return fmt.Sprintf("notes %q, sent %q", g.Notes, s.Notes)
	case g.State != report.StateSubmitted:
		return fmt.Sprintf("state %q", g.State)
	case !sameTime(g.ArrivedAt, s.ArrivedAt):
		return fmt.Sprintf("arrived_at %v, sent %s", g.ArrivedAt, s.ArrivedAt)
	case !sameTime(g.LeftAt, s.LeftAt):
		return fmt.Sprintf("left_at %v, sent %s", g.LeftAt, s.LeftAt)
	}
	got := map[string]string{}
	for q, a := range g.Answers {
		got[q] = string(a)
	}
	if !maps.Equal(got, s.Answers) {
		return fmt.Sprintf("answers %v, sent %v", got, s.Answers)
	}
	return diffProtocol(s.Protocol, g.Protocol)
}

func diffProtocol(s *Protocol, g *report.Protocol) string {
	if s == nil || g == nil {
		if (s == nil) != (g == nil) {
			return fmt.Sprintf("protocol present %v, sent %v", g != nil, s != nil)
		}
		return ""
	}
	figs := []struct {
		name string
		sent int64
		got  *int64
	}{
		{"registered_voters", s.RegisteredVoters, g.RegisteredVoters}, {"ballots_received", s.BallotsReceived, g.BallotsReceived},
		{"voters_voted", s.VotersVoted, g.VotersVoted}, {"homebound_requests", s.HomeboundRequests, g.HomeboundRequests},
		{"ballots_stationary", s.BallotsStationary, g.BallotsStationary}, {"ballots_mobile", s.BallotsMobile, g.BallotsMobile},
		{"ballots_invalid", s.BallotsInvalid, g.BallotsInvalid}, {"ballots_cancelled", s.BallotsCancelled, g.BallotsCancelled},
	}
	for _, f := range figs {
		if f.got == nil || *f.got != f.sent {
			return fmt.Sprintf("protocol.%s %v, sent %d", f.name, f.got, f.sent)
		}
	}
	if !maps.Equal(s.Votes, g.Votes) {
		return fmt.Sprintf("protocol.votes %v, sent %v", g.Votes, s.Votes)
	}
	return ""
}

func diffIncident(s Incident, g report.Incident) string {
	switch {
	case g.ClientID != s.ClientID:
		return fmt.Sprintf("client_id %q", g.ClientID)
	case g.Station.Code != s.Station:
		return fmt.Sprintf("station %q, sent %q", g.Station.Code, s.Station)
	case string(g.Phase) != s.Phase:
		return fmt.Sprintf("phase %q, sent %q", g.Phase, s.Phase)
	case g.Category != s.Category:
		return fmt.Sprintf("category %q, sent %q", g.Category, s.Category)
	case g.Witnessed != s.Witnessed:
		return fmt.Sprintf("witnessed %v, sent %v", g.Witnessed, s.Witnessed)
	case g.Description != s.Description:
		return fmt.Sprintf("description %q, sent %q", g.Description, s.Description)
	case !sameTime(&g.OccurredAt, s.OccurredAt):
		return fmt.Sprintf("occurred_at %v, sent %s", g.OccurredAt, s.OccurredAt)
	}
	return ""
}

func sameTime(got *time.Time, sent string) bool {
	if sent == "" {
		return got == nil
	}
	t, err := time.Parse(time.RFC3339, sent)
	return err == nil && got != nil && got.Equal(t)
}
