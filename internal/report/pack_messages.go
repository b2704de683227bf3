package report

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// PackMessages is the pack's file of the SMS and Telegram messages its records
// were made from (formats.md).
const PackMessages = "messages.jsonl"

// IntakeMessage is a received message as a pack holds it: what was sent, by which
// channel and gateway, when, by which observer (their pseudonymous code, never the
// sender's number or Telegram account) and what was made of it.
type IntakeMessage struct {
	ID         int64     `json:"id"`
	Channel    string    `json:"channel"`
	Gateway    string    `json:"gateway"`
	MessageID  string    `json:"message_id"`
	ReceivedAt time.Time `json:"received_at"`
	Observer   string    `json:"observer"`
	Text       string    `json:"text"`
	TextSHA256 string    `json:"text_sha256"`
	Status     string    `json:"status"`
	// The records made from it: an observation (with the message's incidents), or
	// incidents alone.
	ObservationID int64   `json:"observation_id,omitempty"`
	IncidentIDs   []int64 `json:"incident_ids"`
}

// madeFrom reports whether one of the pack's records was made from m.
func (s *auditSelection) madeFrom(m IntakeMessage) bool {
	if m.ObservationID != 0 && s.observations[m.ObservationID] {
		return true
	}
	for _, id := range m.IncidentIDs {
		if s.incidents[id] {
			return true
		}
	}
	return false
}

// writeMessages writes, as JSON Lines in id order, the messages the pack's
// incidents and observations were made from (sel holds them by then), and
// selects their audit entries for audit.jsonl.
func writeMessages(ctx context.Context, w io.Writer, src PackSource, electionID int64, sel *auditSelection) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	n := 0
	err := src.EachMessage(ctx, electionID, func(m IntakeMessage) error {
		if !sel.madeFrom(m) {
			return nil
		}
		if m.IncidentIDs == nil {
			m.IncidentIDs = []int64{}
		}
		m.ReceivedAt = m.ReceivedAt.UTC()
		if err := enc.Encode(m); err != nil {
			return fmt.Errorf("report: unable to encode message %d: %w", m.ID, err)
		}
		sel.messages[m.ID] = true
		n++
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}
