package storage

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/observerkz/observer/internal/report"
)

// EvidenceLimits bound uploads. Zero means no limit.
type EvidenceLimits struct {
	MaxFileBytes     int64 // one file
	MaxIncidentBytes int64 // all of one incident's files together
	// MaxUploaderBytes bounds what one account uploads in one election: evidence is
	// never deleted, so without it one account could fill the disk.
	MaxUploaderBytes int64
}

// EvidenceSizeError refuses a file over a limit; errors.Is(err, ErrTooLarge) holds.
type EvidenceSizeError struct {
	Name  string
	Limit int64
	// PerIncident: the file would take the incident's files over Limit together
	// (else the file alone is over Limit).
	PerIncident bool
	// PerUploader: the file would take the uploader's files in the election over Limit.
	PerUploader bool
}

func (e *EvidenceSizeError) Error() string {
	if e.PerUploader {
		return fmt.Sprintf("%q was not attached: the files one person uploads in an election may take %s together, and this one would go over", e.Name, HumanBytes(e.Limit))
	}
	if e.PerIncident {
		return fmt.Sprintf("%q was not attached: the files of one incident may take %s together, and this one would go over", e.Name, HumanBytes(e.Limit))
	}
	return fmt.Sprintf("%q was not attached: a file may be at most %s", e.Name, HumanBytes(e.Limit))
}

func (e *EvidenceSizeError) Unwrap() error { return ErrTooLarge }

// HumanBytes writes a size for people: "50 MB", "1.5 GB", "700 KB".
func HumanBytes(n int64) string {
	units := []string{"bytes", "KB", "MB", "GB", "TB"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if u == 0 || v >= 10 || v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v+0.5), units[u])
	}
	return fmt.Sprintf("%.1f %s", v, units[u])
}

const evidenceColumns = `id, incident_id, sha256, size, mime, original_name, COALESCE(uploaded_by, 0), created_at`

func scanEvidence(sc scanner) (report.Evidence, error) {
	var e report.Evidence
	var created string
	err := sc.Scan(&e.ID, &e.IncidentID, &e.SHA256, &e.Size, &e.MIME, &e.OriginalName, &e.UploadedBy, &created)
	e.CreatedAt = parseTime(created)
	return e, err
}

// AddEvidence attaches a file to an incident. The type is decided from the first
// bytes of the content, before anything is stored: a refused type returns a
// *report.EvidenceTypeError, a file over a limit an *EvidenceSizeError (ErrTooLarge),
// and neither leaves a file behind. The upload is streamed to disk, never held in
// memory. The same bytes again on the same incident return the existing record with
// created false. Files are never overwritten or deleted.
func (s *Store) AddEvidence(ctx context.Context, incidentID int64, r io.Reader, originalName string, uploader report.User, limits EvidenceLimits) (ev report.Evidence, created bool, err error) {
	name := report.SanitizeName(originalName)
	in, err := s.Incident(ctx, incidentID)
	if err != nil {
		return ev, false, err
	}
	head := make([]byte, report.EvidenceSniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return ev, false, fmt.Errorf("store: unable to receive %q: %w", name, err)
	}
	head = head[:n]
	mimeType, _, ok := report.DetectEvidenceType(head)
	if !ok {
		return ev, false, &report.EvidenceTypeError{Name: name, MIME: mimeType}
	}
	maxFile := limits.MaxFileBytes
	if maxFile <= 0 {
		maxFile = 1 << 62
	}
	blob, err := s.stageBlob(io.MultiReader(bytes.NewReader(head), r), maxFile)
	if errors.Is(err, ErrTooLarge) {
		return ev, false, &EvidenceSizeError{Name: name, Limit: limits.MaxFileBytes}
	}
	if err != nil {
		return ev, false, err
	}
	defer blob.discard()
	// Decided first on the read pool, so that a duplicate or a file over the
	// incident's limit never becomes a blob; then the file goes to its content
	// address, durably, before the write: the rename and the folder's fsync stay out
	// of the single writer, where every submission queued behind them would wait.
	// The writer decides again; should a concurrent upload make it refuse now, the
	// kept file is merely unreferenced (content-addressed, never exported, and used
	// by the next upload of the same bytes).
	if got, found, err := decideEvidence(readRows{ctx, s}, in, uploader, blob, name, limits); err != nil || found {
		if found && err == nil {
			// The record is there but its bytes may not be (restored from a replica
			// that had the row and not yet the file): the same upload brings them back.
			err = blob.keep()
		}
		return got, false, err
	}
	if err := blob.keep(); err != nil {
		return ev, false, err
	}
	err = s.Write(ctx, func(tx *Tx) error {
		created = false
		got, found, err := decideEvidence(tx, in, uploader, blob, name, limits)
		if err != nil || found {
			ev = got
			return err
		}
		ev = report.Evidence{IncidentID: incidentID, SHA256: blob.sha, Size: blob.size, MIME: mimeType,
			OriginalName: name, UploadedBy: uploader.ID, CreatedAt: tx.Now()}
		res, err := tx.exec(insertEvidenceSQL, incidentID, ev.SHA256, ev.Size, ev.MIME, ev.OriginalName, sql.NullInt64{Int64: uploader.ID, Valid: uploader.ID != 0}, fmtTime(ev.CreatedAt))
		if err != nil {
			return fmt.Errorf("store: unable to record evidence for incident %d: %w", incidentID, err)
		}
		ev.ID, _ = res.LastInsertId()
		if uploader.ID != 0 {
			if _, err := tx.exec(addUploadSQL, uploader.ID, in.ElectionID, ev.Size); err != nil {
				return fmt.Errorf("store: unable to add up the files of user %d: %w", uploader.ID, err)
			}
		}
		after, _ := json.Marshal(map[string]any{"incident_id": incidentID, "sha256": ev.SHA256, "size": ev.Size,
			"mime": ev.MIME, "original_name": ev.OriginalName})
		if err := tx.Audit(report.AuditEntry{ActorID: uploader.ID, Actor: actorName(uploader), Action: report.AuditEvidence,
			Entity: report.EntityEvidence, EntityID: fmt.Sprintf("%d/%s", incidentID, ev.SHA256), ElectionID: in.ElectionID,
			After: string(after)}); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		return report.Evidence{}, false, err
	}
	if created {
		s.thumbnailLater(ev) // after the commit: the file is durable and recorded
	}
	return ev, created, nil
}

const (
	insertEvidenceSQL = `INSERT INTO evidence(incident_id, sha256, size, mime, original_name, uploaded_by, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?)`
	evidenceByHashSQL        = "SELECT " + evidenceColumns + " FROM evidence WHERE incident_id = ? AND sha256 = ?"
	incidentEvidenceBytesSQL = "SELECT COALESCE(SUM(size), 0) FROM evidence WHERE incident_id = ?"
	uploaderEvidenceBytesSQL = `SELECT COALESCE((SELECT bytes FROM upload_totals WHERE user_id = ? AND election_id = ?), 0)`
	addUploadSQL             = `INSERT INTO upload_totals(user_id, election_id, bytes) VALUES (?, ?, ?)
	ON CONFLICT(user_id, election_id) DO UPDATE SET bytes = bytes + excluded.bytes`
)

// decideEvidence finds the same file already on the incident (found), or refuses a
// file the incident's limit has no room for.
func decideEvidence(q rowQuerier, in report.Incident, uploader report.User, blob *stagedBlob, name string, limits EvidenceLimits) (report.Evidence, bool, error) {
	incidentID := in.ID
	got, err := scanEvidence(q.queryRow(evidenceByHashSQL, incidentID, blob.sha))
	if err == nil {
		return got, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return report.Evidence{}, false, fmt.Errorf("store: unable to look for the same file on incident %d: %w", incidentID, err)
	}
	if limits.MaxIncidentBytes > 0 {
		var used int64
		if err := q.queryRow(incidentEvidenceBytesSQL, incidentID).Scan(&used); err != nil {
			return report.Evidence{}, false, fmt.Errorf("store: unable to add up the files of incident %d: %w", incidentID, err)
		}
		if used+blob.size > limits.MaxIncidentBytes {
			return report.Evidence{}, false, &EvidenceSizeError{Name: name, Limit: limits.MaxIncidentBytes, PerIncident: true}
		}
	}
	if limits.MaxUploaderBytes > 0 && uploader.ID != 0 {
		var used int64
		if err := q.queryRow(uploaderEvidenceBytesSQL, uploader.ID, in.ElectionID).Scan(&used); err != nil {
			return report.Evidence{}, false, fmt.Errorf("store: unable to add up the files of user %d: %w", uploader.ID, err)
		}
		if used+blob.size > limits.MaxUploaderBytes {
			return report.Evidence{}, false, &EvidenceSizeError{Name: name, Limit: limits.MaxUploaderBytes, PerUploader: true}
		}
	}
	return report.Evidence{}, false, nil
}

// readRows is the read pool as a rowQuerier, with prepared statements.
type readRows struct {
	ctx context.Context
	s   *Store
}

func (r readRows) queryRow(query string, args ...any) *sql.Row {
	return r.s.readRow(r.ctx, query, args...)
}

// IncidentEvidence returns the file with this SHA-256 among the incident's evidence,
// with report.ErrNotFound when the incident has no such file.
func (s *Store) IncidentEvidence(ctx context.Context, incidentID int64, sha string) (report.Evidence, error) {
	e, err := scanEvidence(s.ro.QueryRowContext(ctx, evidenceByHashSQL, incidentID, sha))
	if errors.Is(err, sql.ErrNoRows) {
		return e, report.ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("store: unable to read evidence %s of incident %d: %w", sha, incidentID, err)
	}
	return e, nil
}
