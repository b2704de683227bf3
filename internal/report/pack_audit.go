package report

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// Audit entities a pack's audit extract follows. An entry belongs to a pack when it
// is about one of the pack's incidents, evidence files, observations or messages,
// or when it is the entry recording the export itself.
const (
	EntityIncident    = "incident"
	EntityEvidence    = "evidence"
	EntityObservation = "observation"
	EntityPack        = "evidence_pack"
	// EntityMessage is a received SMS or Telegram message: its "receive" entry
	// holds the SHA-256 of the text, "handle" a coordinator's work on it.
	EntityMessage = "message"
)

type auditSelection struct {
	exports      map[int64]bool
	incidents    map[int64]bool
	observations map[int64]bool
	messages     map[int64]bool
	// evidence keys: the evidence row id, its SHA-256, and "<incident>/<sha256>",
	// so that an entry naming the file any of these ways is found.
	evidence map[string]bool
}

func newAuditSelection(exportIDs []int64) *auditSelection {
	s := &auditSelection{exports: map[int64]bool{}, incidents: map[int64]bool{}, observations: map[int64]bool{}, messages: map[int64]bool{}, evidence: map[string]bool{}}
	for _, id := range exportIDs {
		s.exports[id] = true
	}
	return s
}

func (s *auditSelection) addEvidence(e Evidence) {
	s.evidence[strconv.FormatInt(e.ID, 10)] = true
	s.evidence[e.SHA256] = true
	s.evidence[strconv.FormatInt(e.IncidentID, 10)+"/"+e.SHA256] = true
}

func (s *auditSelection) has(e AuditEntry) bool {
	if s.exports[e.ID] {
		return true
	}
	switch e.Entity {
	case EntityIncident:
		id, err := strconv.ParseInt(e.EntityID, 10, 64)
		return err == nil && s.incidents[id]
	case EntityObservation:
		id, err := strconv.ParseInt(e.EntityID, 10, 64)
		return err == nil && s.observations[id]
	case EntityEvidence:
		return s.evidence[e.EntityID]
	case EntityMessage:
		id, err := strconv.ParseInt(e.EntityID, 10, 64)
		return err == nil && s.messages[id]
	}
	return false
}

// writeAudit writes the pack's audit entries as JSON Lines, each with its
// prev_hash and hash, in id order: a reader can re-hash every entry (ChainHash) and,
// where two entries follow each other in the log, check the link between them.
func writeAudit(ctx context.Context, w io.Writer, src PackSource, electionID int64, sel *auditSelection) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	err := src.EachAuditEntry(ctx, electionID, func(e AuditEntry) error {
		if !sel.has(e) {
			return nil
		}
		b, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("report: unable to encode audit entry %d: %w", e.ID, err)
		}
		bw.Write(b)
		if err := bw.WriteByte('\n'); err != nil {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}
