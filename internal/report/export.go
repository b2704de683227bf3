package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// IncidentColumns are the incident export's columns (formats.md), in order.
var IncidentColumns = []string{
	"id", "election", "station", "station_name", "region", "district", "phase", "category",
	"category_name", "occurred_at", "witnessed", "status", "observer", "observation_id",
	"description", "evidence", "evidence_sha256", "created_at", "verified_by", "verified_at",
	"verification_note",
}

// ContactColumns follow the standard columns only when the coordinator asked for
// observers' contact details.
var ContactColumns = []string{"observer_name", "observer_phone"}

// Export formats of incidents.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// UTF8BOM starts every CSV written for people, so that Excel reads Cyrillic right.
const UTF8BOM = "\ufeff"

// ExportOptions say how incidents are written.
type ExportOptions struct {
	Election Election
	// Tr names categories (category.<code>.name) in the coordinator's language.
	Tr Translator
	// CategoryName overrides the name of a category (custom categories); it returns
	// "" to fall back to the catalogue.
	CategoryName func(code string) string
	// Custom names the categories an administrator added, in Tr's language (else
	// English); storage fills it when it is empty.
	Custom CustomTexts
	// IncludeContacts adds observer_name and observer_phone. Only on the
	// coordinator's explicit request, which the caller audit-logs.
	IncludeContacts bool
	// Zone is the election's time zone, in which the times of a station without a
	// zone of its own are shown (nil: UTC).
	Zone *time.Location
}

// IncidentRecord is one incident with what an export shows of it.
type IncidentRecord struct {
	Incident Incident
	Evidence []Evidence
	// Contact is the observer's contact details; nil unless asked for.
	Contact *ObserverContact
}

func (o ExportOptions) categoryName(code string) string {
	if o.CategoryName != nil {
		if n := o.CategoryName(code); n != "" {
			return n
		}
	}
	return o.Custom.CategoryName(o.Tr, code)
}

// csvSafe keeps a spreadsheet from running a cell as a formula: a value that starts
// with = + - @ tab or CR gets a leading apostrophe (OWASP's CSV-injection advice).
func csvSafe(s string) string {
	if s != "" {
		switch s[0] {
		case '=', '+', '-', '@', '\t', '\r':
			return "'" + s
		}
	}
	return s
}

// stationZone is the station's zone (Station.Location remembers each zone loaded).
func stationZone(st Station) *time.Location { return st.Location() }

// zoneOf is the zone a station's times are shown in: its own, else the election's.
func (o ExportOptions) zoneOf(st Station) *time.Location {
	if st.Timezone != "" {
		if loc, err := LoadZone(st.Timezone); err == nil {
			return loc
		}
	}
	if o.Zone != nil {
		return o.Zone
	}
	return time.UTC
}

// localTime is t in the station's zone (else the election's), RFC 3339 with the offset.
func (o ExportOptions) localTime(t time.Time, st Station) string {
	if t.IsZero() {
		return ""
	}
	return t.In(o.zoneOf(st)).Format(time.RFC3339)
}

func (o ExportOptions) localTimePtr(t *time.Time, st Station) string {
	if t == nil {
		return ""
	}
	return o.localTime(*t, st)
}

func evidenceSHAs(ev []Evidence) []string {
	out := make([]string, len(ev))
	for i, e := range ev {
		out[i] = e.SHA256
	}
	return out
}

// csvOut is what the CSV exports share: the byte-order mark and the header row
// first, then rows built in one reused slice, each with the observer's contact
// when asked for, and every cell guarded against formula injection.
type csvOut struct {
	contacts bool
	bw       *bufio.Writer
	cw       *csv.Writer
	row      []string
}

func newCSVOut(w io.Writer, head []string, contacts bool) (csvOut, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	t := csvOut{contacts: contacts, bw: bw, cw: csv.NewWriter(bw)}
	if _, err := bw.WriteString(UTF8BOM); err != nil {
		return t, fmt.Errorf("report: unable to write the CSV: %w", err)
	}
	if err := t.cw.Write(head); err != nil {
		return t, fmt.Errorf("report: unable to write the CSV: %w", err)
	}
	return t, nil
}

// put writes the row built in t.row (what and id name it in an error).
func (t *csvOut) put(contact *ObserverContact, what string, id int64) error {
	if t.contacts {
		var ct ObserverContact
		if contact != nil {
			ct = *contact
		}
		t.row = append(t.row, ct.Name, ct.Phone)
	}
	for i := range t.row {
		t.row[i] = csvSafe(t.row[i])
	}
	if err := t.cw.Write(t.row); err != nil {
		return fmt.Errorf("report: unable to write %s %d: %w", what, id, err)
	}
	return nil
}

// Close flushes what is buffered; it does not close the underlying writer.
func (t *csvOut) Close() error {
	t.cw.Flush()
	if err := t.cw.Error(); err != nil {
		return fmt.Errorf("report: unable to write the CSV: %w", err)
	}
	if err := t.bw.Flush(); err != nil {
		return fmt.Errorf("report: unable to write the CSV: %w", err)
	}
	return nil
}

// IncidentCSVWriter writes incidents as CSV, one row at a time.
type IncidentCSVWriter struct {
	csvOut
	opt ExportOptions
}

// NewIncidentCSV writes the byte-order mark and the header row.
func NewIncidentCSV(w io.Writer, opt ExportOptions) (*IncidentCSVWriter, error) {
	head := append([]string(nil), IncidentColumns...)
	if opt.IncludeContacts {
		head = append(head, ContactColumns...)
	}
	t, err := newCSVOut(w, head, opt.IncludeContacts)
	if err != nil {
		return nil, err
	}
	return &IncidentCSVWriter{csvOut: t, opt: opt}, nil
}

// Write adds one incident.
func (c *IncidentCSVWriter) Write(rec IncidentRecord) error {
	in, st := rec.Incident, rec.Incident.Station
	obsID := ""
	if in.ObservationID != 0 {
		obsID = strconv.FormatInt(in.ObservationID, 10)
	}
	c.row = append(c.row[:0],
		strconv.FormatInt(in.ID, 10), c.opt.Election.Code, st.Code, st.Name, st.RegionName, st.DistrictName,
		string(in.Phase), in.Category, c.opt.categoryName(in.Category), c.opt.localTime(in.OccurredAt, st),
		strconv.FormatBool(in.Witnessed), string(in.Status), in.ObserverCode, obsID, in.Description,
		strconv.Itoa(len(rec.Evidence)), strings.Join(evidenceSHAs(rec.Evidence), ";"),
		c.opt.localTime(in.CreatedAt, st), in.VerifiedBy, c.opt.localTimePtr(in.VerifiedAt, st), in.VerificationNote)
	return c.put(rec.Contact, "incident", in.ID)
}

// IncidentJSON is one incident in the JSON export: the CSV's columns, with JSON
// types (evidence_sha256 is an array; absent values are null).
type IncidentJSON struct {
	ID               int64    `json:"id"`
	Election         string   `json:"election"`
	Station          string   `json:"station"`
	StationName      string   `json:"station_name"`
	Region           string   `json:"region"`
	District         string   `json:"district"`
	Phase            string   `json:"phase"`
	Category         string   `json:"category"`
	CategoryName     string   `json:"category_name"`
	OccurredAt       string   `json:"occurred_at"`
	Witnessed        bool     `json:"witnessed"`
	Status           string   `json:"status"`
	Observer         *string  `json:"observer"`
	ObservationID    *int64   `json:"observation_id"`
	Description      string   `json:"description"`
	Evidence         int      `json:"evidence"`
	EvidenceSHA256   []string `json:"evidence_sha256"`
	CreatedAt        string   `json:"created_at"`
	VerifiedBy       *string  `json:"verified_by"`
	VerifiedAt       *string  `json:"verified_at"`
	VerificationNote string   `json:"verification_note"`
	ObserverName     *string  `json:"observer_name,omitempty"`
	ObserverPhone    *string  `json:"observer_phone,omitempty"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// IncidentJSONOf builds the JSON form of one incident.
func IncidentJSONOf(rec IncidentRecord, opt ExportOptions) IncidentJSON {
	in, st := rec.Incident, rec.Incident.Station
	j := IncidentJSON{
		ID: in.ID, Election: opt.Election.Code, Station: st.Code, StationName: st.Name,
		Region: st.RegionName, District: st.DistrictName, Phase: string(in.Phase), Category: in.Category,
		CategoryName: opt.categoryName(in.Category), OccurredAt: opt.localTime(in.OccurredAt, st),
		Witnessed: in.Witnessed, Status: string(in.Status), Observer: strPtr(in.ObserverCode),
		Description: in.Description, Evidence: len(rec.Evidence), EvidenceSHA256: evidenceSHAs(rec.Evidence),
		CreatedAt: opt.localTime(in.CreatedAt, st), VerifiedBy: strPtr(in.VerifiedBy),
		VerifiedAt: strPtr(opt.localTimePtr(in.VerifiedAt, st)), VerificationNote: in.VerificationNote,
	}
	if in.ObservationID != 0 {
		id := in.ObservationID
		j.ObservationID = &id
	}
	if opt.IncludeContacts {
		var ct ObserverContact
		if rec.Contact != nil {
			ct = *rec.Contact
		}
		j.ObserverName, j.ObserverPhone = &ct.Name, &ct.Phone
	}
	return j
}

// IncidentJSONWriter writes incidents as one JSON array, one element per line, so
// that the array never has to be held whole.
type IncidentJSONWriter struct {
	opt ExportOptions
	bw  *bufio.Writer
	n   int
}

// NewIncidentJSON opens the array.
func NewIncidentJSON(w io.Writer, opt ExportOptions) (*IncidentJSONWriter, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("["); err != nil {
		return nil, fmt.Errorf("report: unable to write the JSON: %w", err)
	}
	return &IncidentJSONWriter{opt: opt, bw: bw}, nil
}

// Write adds one incident.
func (j *IncidentJSONWriter) Write(rec IncidentRecord) error {
	b, err := json.Marshal(IncidentJSONOf(rec, j.opt))
	if err != nil {
		return fmt.Errorf("report: unable to write incident %d: %w", rec.Incident.ID, err)
	}
	sep := ",\n"
	if j.n == 0 {
		sep = "\n"
	}
	j.bw.WriteString(sep)
	if _, err := j.bw.Write(b); err != nil {
		return fmt.Errorf("report: unable to write the JSON: %w", err)
	}
	j.n++
	return nil
}

// Close ends the array and flushes; it does not close the underlying writer.
func (j *IncidentJSONWriter) Close() error {
	if _, err := j.bw.WriteString("\n]\n"); err != nil {
		return fmt.Errorf("report: unable to write the JSON: %w", err)
	}
	if err := j.bw.Flush(); err != nil {
		return fmt.Errorf("report: unable to write the JSON: %w", err)
	}
	return nil
}
