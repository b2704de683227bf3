package report

import (
	"archive/zip"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// The evidence pack (formats.md, "Evidence pack") is one ZIP, written as a stream:
// every entry is hashed while it is written, evidence files are copied straight
// from their blobs, and nothing but the PDF report and the list of sums is held
// in memory, so memory does not grow with the gigabytes of evidence. The PDF
// report is written page by page into a temporary file while the evidence is
// copied (laying it out is mostly CPU, copying mostly I/O), then copied in after
// the evidence: memory does not grow with the number of incidents either.
//
// Wiring, for a page or a command (storage does the audit entry, the snapshot and
// the key):
//
//	preview, _ := store.PackPreview(ctx, filter)            // counts and size, before
//	doc, _ := statsCache.Document(ctx, statsQuery)           // the scope's statistics
//	opt := report.PackOptions{Election: el, Scope: report.PackScope{Filter: filter, RegionCode: "ALM"},
//		Tr: i18n.New(lang), Stats: doc, IncludeContacts: ticked, CreatedAt: now}
//	opt.FileName = report.PackFileName(el.Code, opt.Scope, now) // Content-Disposition
//	summary, err := store.WriteEvidencePack(ctx, w, user, opt)
//
// and to check one: res, err := report.VerifyPack(f, size, report.VerifyOptions{});
// res.Print(os.Stdout, tr); exit 0 only when res.OK(). The admin page shows
// report.KeyFingerprint(store.SigningPublicKey()).

// PackSource is what a pack reads. It must be one consistent snapshot of the
// database: the pack reads incidents several times (report, CSV, JSON, evidence)
// and every reading must see the same incidents in the same state.
type PackSource interface {
	// EachIncident streams the incidents matching f, oldest first.
	EachIncident(ctx context.Context, f IncidentFilter, fn func(Incident) error) error
	// EvidenceOf lists an incident's files, oldest first.
	EvidenceOf(ctx context.Context, incidentID int64) ([]Evidence, error)
	// EachObservation streams the submitted observations in f's election, region,
	// district, station, phase and time window (on arrival, else submission), oldest first.
	EachObservation(ctx context.Context, f IncidentFilter, fn func(Observation) error) error
	// EachAuditEntry streams, in id order, the audit entries of the election (at least
	// every entry that might concern its incidents, evidence and observations).
	EachAuditEntry(ctx context.Context, electionID int64, fn func(AuditEntry) error) error
	// EachMessage streams, in id order, the SMS and Telegram messages records of
	// the election were made from (at least those; the pack keeps the ones whose
	// records it holds).
	EachMessage(ctx context.Context, electionID int64, fn func(IntakeMessage) error) error
	// OpenBlob opens an evidence file by its SHA-256.
	OpenBlob(sha string) (io.ReadCloser, error)
	// ObserverContact returns an observer's contact details (personal data: called
	// only when the coordinator asked for them).
	ObserverContact(ctx context.Context, observerID int64) (ObserverContact, error)
}

// PackOptions describe one evidence pack.
type PackOptions struct {
	Election Election
	Scope    PackScope
	// Tr is the language of the README and the PDF report (en, ru or kk).
	Tr Translator
	// Author is who made the pack (a login), CreatedAt when (default: now).
	Author    string
	CreatedAt time.Time
	// FileName is the pack's name as the coordinator gets it (default PackFileName).
	FileName string
	// IncludeContacts puts observers' names and phone numbers in the pack. Only on
	// the coordinator's explicit request, which the caller audit-logs.
	IncludeContacts bool
	// Stats is the statistics document of the scope (statistics.md), computed by
	// the caller: written as statistics.json and summarised in the report.
	Stats any
	// Key signs SHA256SUMS.
	Key ed25519.PrivateKey
	// AuditEntryIDs are the audit entries recording this export, included in audit.jsonl.
	AuditEntryIDs []int64
	// CategoryName names custom categories (see ExportOptions).
	CategoryName func(code string) string
	// Custom holds the texts of the questions and categories an administrator
	// added, shown in Tr's language (else English) in the report, the incident
	// tables and the README; storage fills it when it is empty.
	Custom CustomTexts
	// MaxThumbnailBytes bounds the photo thumbnails in report.pdf, and so its size
	// (default 24 MiB); past it the report lists files without pictures.
	// ThumbnailsPerIncident caps the pictures of one incident (default 6).
	MaxThumbnailBytes     int64
	ThumbnailsPerIncident int
	// Schema is the election's checklists: each custom question gets a column of
	// observations.csv (nil: the standard questions only).
	Schema *StatsSchema
	// Discrepancies, when the election has official results, is the comparison
	// of the protocol copies with them in the pack's scope: discrepancies.csv and a
	// page of the report (nil: the table's header only, and no page).
	Discrepancies *PackDiscrepancies
	// TempDir is where the report is laid out before it goes into the ZIP
	// (default: the system's temporary folder).
	TempDir string
	// Zone is the election's time zone, for the tables' times of stations without
	// a zone of their own (nil: UTC).
	Zone *time.Location
}

// PackSummary tells what a pack holds.
type PackSummary struct {
	FileName          string
	Incidents         int
	EvidenceFiles     int
	EvidenceBytes     int64
	Observations      int
	Messages          int
	AuditEntries      int
	Thumbnails        int
	ThumbnailsOmitted int
	// Bytes is the size of the ZIP written.
	Bytes       int64
	Fingerprint string
}

// PackPreview tells a coordinator what a pack will hold before it is made.
type PackPreview struct {
	Incidents     int
	EvidenceFiles int
	EvidenceBytes int64
	Observations  int
	// EstimatedBytes is roughly how large the ZIP will be: the evidence, stored as it
	// is, plus an allowance for the report, the tables and the photo thumbnails.
	EstimatedBytes int64
}

// EstimatePackBytes fills in EstimatedBytes from the counts.
func (p *PackPreview) EstimatePackBytes(photos int) {
	thumbs := int64(photos) * 25 << 10
	if thumbs > 24<<20 {
		thumbs = 24 << 20
	}
	p.EstimatedBytes = p.EvidenceBytes + thumbs + int64(p.Incidents)*3<<10 +
		int64(p.EvidenceFiles)*300 + int64(p.Observations)*400 + 200<<10
}

// Names of the fixed files of a pack.
const (
	PackReadme       = "README.txt"
	PackReport       = "report.pdf"
	PackIncidentsCSV = "incidents.csv"
	PackIncidentsJSN = "incidents.json"
	PackObservations = "observations.csv"
	PackStatistics   = "statistics.json"
	PackAudit        = "audit.jsonl"
	PackPublicKey    = "signing-key.pub"
	PackSums         = "SHA256SUMS"
	PackSignature    = "SHA256SUMS.sig"
)

func (o *PackOptions) defaults() error {
	if o.Tr == nil {
		return errors.New("report: the pack needs a language")
	}
	if len(o.Key) != ed25519.PrivateKeySize {
		return errors.New("report: the pack needs the signing key")
	}
	if o.Stats == nil {
		return errors.New("report: the pack needs the statistics document")
	}
	if o.Scope.Filter.ElectionID == 0 {
		o.Scope.Filter.ElectionID = o.Election.ID
	}
	if o.Scope.Filter.ElectionID != o.Election.ID {
		return errors.New("report: the pack's scope is of another election")
	}
	// Paging has no meaning in a pack: it holds the whole scope.
	o.Scope.Filter.BeforeID, o.Scope.Filter.Limit = 0, 0
	if o.CreatedAt.IsZero() {
		o.CreatedAt = time.Now()
	}
	o.CreatedAt = o.CreatedAt.UTC()
	if o.FileName == "" {
		o.FileName = PackFileName(o.Election.Code, o.Scope, o.CreatedAt)
	}
	if o.MaxThumbnailBytes == 0 {
		o.MaxThumbnailBytes = 24 << 20
	}
	if o.ThumbnailsPerIncident == 0 {
		o.ThumbnailsPerIncident = 6
	}
	return nil
}

func (o PackOptions) exportOptions() ExportOptions {
	return ExportOptions{Election: o.Election, Tr: o.Tr, CategoryName: o.CategoryName, Custom: o.Custom,
		IncludeContacts: o.IncludeContacts, Zone: o.Zone}
}

// WritePack writes the evidence pack to w as it is built.
func WritePack(ctx context.Context, w io.Writer, src PackSource, opt PackOptions) (PackSummary, error) {
	if err := opt.defaults(); err != nil {
		return PackSummary{}, err
	}
	pub := opt.Key.Public().(ed25519.PublicKey)
	sum := PackSummary{FileName: opt.FileName, Fingerprint: KeyFingerprint(pub)}
	stats, err := json.MarshalIndent(opt.Stats, "", "  ")
	if err != nil {
		return sum, fmt.Errorf("report: unable to encode the statistics: %w", err)
	}
	cw := &countingWriter{w: w}
	p := &packZip{zw: zip.NewWriter(cw), at: opt.CreatedAt}
	defer p.close()
	contacts := newContactCache(src, opt.IncludeContacts)
	sel := newAuditSelection(opt.AuditEntryIDs)

	if err := p.bytesEntry(PackReadme, true, packReadme(opt, sum.Fingerprint)); err != nil {
		return sum, err
	}
	// The report is laid out while the tables and the evidence are written (it is
	// mostly CPU, they are mostly I/O), and written after them.
	spool, err := newSpool(opt.TempDir, ".report-*.pdf")
	if err != nil {
		return sum, fmt.Errorf("report: unable to make room for the report: %w", err)
	}
	defer spool.close()
	bctx, cancel := context.WithCancel(ctx)
	var docRes reportResult
	var docErr error
	built := make(chan struct{})
	go func() {
		defer close(built)
		docRes, docErr = buildReport(bctx, spool.f, src, opt, stats, newContactCache(src, opt.IncludeContacts))
	}()
	defer func() { cancel(); <-built }()

	// One reading of the scope's incidents: incidents.csv goes into the pack as it
	// is read; incidents.json and the list of evidence files wait in spool files
	// (memory stays flat) and follow it.
	tables, err := writeIncidentTables(ctx, p, src, opt, contacts, sel, &sum)
	if err != nil {
		return sum, err
	}
	defer tables.close()
	if _, err := p.entry(PackIncidentsJSN, true, tables.json.copyTo); err != nil {
		return sum, err
	}
	if _, err := p.entry(PackObservations, true, func(w io.Writer) error {
		c, err := NewObservationCSVWith(w, opt.exportOptions(), customQuestions(opt.Schema))
		if err != nil {
			return err
		}
		err = src.EachObservation(ctx, opt.Scope.Filter, func(o Observation) error {
			sel.observations[o.ID] = true
			sum.Observations++
			ct, err := contacts.of(ctx, o.ObserverID)
			if err != nil {
				return err
			}
			return c.Write(ObservationRecord{Observation: o, Contact: ct})
		})
		if err != nil {
			return err
		}
		return c.Close()
	}); err != nil {
		return sum, err
	}
	if err := p.bytesEntry(PackStatistics, true, append(stats, '\n')); err != nil {
		return sum, err
	}
	// After the tables: the messages kept are those of the incidents and
	// observations written.
	if _, err := p.entry(PackMessages, true, func(w io.Writer) error {
		n, err := writeMessages(ctx, w, src, opt.Election.ID, sel)
		sum.Messages = n
		return err
	}); err != nil {
		return sum, err
	}
	// Every pack has the table (formats.md); without official results it has the
	// header only.
	disc := opt.Discrepancies
	if disc == nil {
		disc = &PackDiscrepancies{Header: DiscrepancyColumns}
	}
	if _, err := p.entry(PackDiscrepancyFile, true, disc.writeCSV); err != nil {
		return sum, err
	}
	if err := writeEvidence(ctx, p, src, tables.evidence, sel, &sum); err != nil {
		return sum, err
	}
	<-built
	if docErr != nil {
		return sum, docErr
	}
	sum.Thumbnails, sum.ThumbnailsOmitted = docRes.thumbnails, docRes.thumbnailsOmitted
	if _, err := p.entry(PackReport, false, spool.copyTo); err != nil {
		return sum, err
	}
	if _, err := p.entry(PackAudit, true, func(w io.Writer) error {
		n, err := writeAudit(ctx, w, src, opt.Election.ID, sel)
		sum.AuditEntries = n
		return err
	}); err != nil {
		return sum, err
	}
	pubPEM, err := MarshalPublicKeyPEM(pub)
	if err != nil {
		return sum, err
	}
	if err := p.bytesEntry(PackPublicKey, false, pubPEM); err != nil {
		return sum, err
	}
	sums := p.sums.Bytes()
	sig := ed25519.Sign(opt.Key, sums)
	if err := p.bytesEntry(PackSums, true, sums); err != nil {
		return sum, err
	}
	if err := p.bytesEntry(PackSignature, false, sig); err != nil {
		return sum, err
	}
	if err := p.zw.Close(); err != nil {
		return sum, fmt.Errorf("report: unable to finish the pack: %w", err)
	}
	sum.Bytes = cw.n
	return sum, nil
}
