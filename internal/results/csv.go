package results

import (
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/observerkz/observer/internal/report"
)

// Limits on an imported file: a national election of 100,000 stations with a dozen
// candidates is about 10 MB.
const (
	MaxCSVBytes   = 128 << 20
	MaxCandidates = 200
	MaxFigure     = 1_000_000_000 // far above any station; keeps 100·x exact in float64
	maxErrors     = 200           // a file wrong on every line is reported by its first errors
)

// Column names of the results CSV (results.md).
const (
	colStation           = "station"
	colRegion            = "region"
	colDistrict          = "district"
	colRegistered        = "registered_voters"
	colIssued            = "ballots_issued"
	colValid             = "ballots_valid"
	colInvalid           = "ballots_invalid"
	colReceived          = "ballots_received"
	colCancelled         = "ballots_cancelled"
	colMobile            = "ballots_mobile"
	colStationary        = "ballots_stationary"
	votesPrefix          = "votes:"
	maxCandidateCodeLen  = 64
	maxAreaNameLen       = 200
	maxStationCodeLength = 64
)

var requiredColumns = []string{colStation, colRegistered, colIssued, colValid, colInvalid}

var optionalFigures = []string{colReceived, colCancelled, colMobile, colStationary}

// Table is a parsed results file: the candidates in column order and one row per
// station, each row's Votes aligned with Candidates.
type Table struct {
	Candidates []string
	Rows       []Row
}

// Row is one station's official result.
type Row struct {
	Line             int // line of the file (header = 1); 0 when read from the database
	Station          string
	Region, District string // only for stations an import creates
	Registered       int64
	Issued           int64
	Valid            int64
	Invalid          int64
	// The protocol's other figures, nil when the file leaves them out.
	BallotsReceived, Cancelled, Mobile, Stationary *int64
	Votes                                          []int64
}

// CSVError is one thing wrong with a results file: Key names the message in the
// catalogue (web/i18n/results.*.json) and Args its placeholders. Its fields are
// report.CSVError's, so the shared CSV reader's errors convert to it.
type CSVError struct {
	Line   int
	Column string
	Key    string
	Args   []any
}

// Text says what is wrong in tr's language: "line N, column C: what is wrong".
func (e CSVError) Text(tr report.Translator) string {
	msg := tr.T(e.Key, e.Args...)
	switch {
	case e.Column != "":
		return tr.T("results.at_column", "Line", e.Line, "Column", e.Column, "Message", msg)
	case e.Line > 0:
		return tr.T("results.at_line", "Line", e.Line, "Message", msg)
	}
	return msg
}

func (e CSVError) Error() string { return e.Text(English) }

// CSVErrors is every error of a file, in file order. A file with any is imported not at all.
type CSVErrors []CSVError

func (es CSVErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// ParseCSV reads a whole results file (results.md): UTF-8 with or without a BOM,
// comma or semicolon separated, a header naming the required columns, optional
// figures and at least one votes:<code> column. Every error is collected; with any,
// no table is returned.
func ParseCSV(r io.Reader, addStations bool) (*Table, CSVErrors) {
	f, bad := report.OpenCSV(r, "results.", MaxCSVBytes, false)
	if bad != nil {
		return nil, CSVErrors{CSVError(*bad)}
	}
	h, errs := readHeader(f.Header, addStations)
	if len(errs) > 0 {
		return nil, errs
	}
	t := &Table{Candidates: h.candidates}
	seen := map[string]int{}
	for len(errs) < maxErrors && f.Next() {
		if f.Bad != nil {
			errs = append(errs, CSVError(*f.Bad))
			continue
		}
		line := f.Line
		row := h.row(line, f.Record, &errs)
		key := strings.ToLower(row.Station)
		if first, dup := seen[key]; dup && row.Station != "" {
			errs = append(errs, CSVError{Line: line, Column: colStation, Key: "results.csv_duplicate_station",
				Args: []any{"Code", row.Station, "First", first}})
		} else {
			seen[key] = line
		}
		t.Rows = append(t.Rows, row)
	}
	if e := f.Err(); e != nil {
		return nil, append(errs, CSVError(*e))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if len(t.Rows) == 0 {
		return nil, CSVErrors{{Line: 2, Key: "results.csv_no_rows"}}
	}
	return t, nil
}

// header maps the file's columns.
type header struct {
	names      []string
	col        map[string]int
	candidates []string
	votesCol   []int // column of each candidate
	add        bool
	unnamed    int // the first of the nameless columns that end the header (trailing separators)
}

func readHeader(head []string, addStations bool) (*header, CSVErrors) {
	h := &header{col: map[string]int{}, add: addStations, unnamed: len(head)}
	for h.unnamed > 1 && strings.TrimSpace(head[h.unnamed-1]) == "" {
		h.unnamed--
	}
	var errs CSVErrors
	known := map[string]bool{colStation: true, colRegistered: true, colIssued: true, colValid: true, colInvalid: true,
		colReceived: true, colCancelled: true, colMobile: true, colStationary: true}
	if addStations {
		known[colRegion], known[colDistrict] = true, true
	}
	for i, raw := range head {
		// Column names are read without case; a candidate's code keeps the case it
		// is written in (it is compared without case everywhere).
		name := strings.ToLower(strings.TrimSpace(raw))
		h.names = append(h.names, strings.TrimSpace(raw))
		_, dup := h.col[name]
		switch {
		case name == "":
			if i >= h.unnamed {
				continue // trailing separators
			}
			errs = append(errs, CSVError{Line: 1, Column: strconv.Itoa(i + 1), Key: "results.csv_blank_column"})
		case dup:
			errs = append(errs, CSVError{Line: 1, Column: name, Key: "results.csv_duplicate_column"})
		case strings.HasPrefix(name, votesPrefix):
			code := strings.TrimSpace(strings.TrimSpace(raw)[len(votesPrefix):])
			if !validCandidate(code) {
				errs = append(errs, CSVError{Line: 1, Column: name, Key: "results.csv_candidate_code"})
				continue
			}
			h.col[name] = i
			h.candidates = append(h.candidates, code)
			h.votesCol = append(h.votesCol, i)
		case known[name]:
			h.col[name] = i
		case name == colRegion || name == colDistrict:
			errs = append(errs, CSVError{Line: 1, Column: name, Key: "results.csv_needs_add_stations"})
		default:
			errs = append(errs, CSVError{Line: 1, Column: name, Key: "results.csv_unknown_column"})
		}
	}
	for _, req := range requiredColumns {
		if _, ok := h.col[req]; !ok {
			errs = append(errs, CSVError{Line: 1, Column: req, Key: "results.csv_missing_column"})
		}
	}
	if len(h.candidates) == 0 {
		errs = append(errs, CSVError{Line: 1, Key: "results.csv_no_candidates"})
	}
	if len(h.candidates) > MaxCandidates {
		errs = append(errs, CSVError{Line: 1, Key: "results.csv_too_many_candidates", Args: []any{"Max", MaxCandidates}})
	}
	return h, errs
}

func (h *header) get(rec []string, name string) (string, bool) {
	i, ok := h.col[name]
	if !ok {
		return "", false
	}
	return strings.TrimSpace(rec[i]), true
}

func (h *header) row(line int, rec []string, errs *CSVErrors) Row {
	r := Row{Line: line}
	for i := h.unnamed; i < len(h.names) && i < len(rec); i++ {
		if strings.TrimSpace(rec[i]) != "" {
			*errs = append(*errs, CSVError{Line: line, Column: strconv.Itoa(i + 1), Key: "results.csv_blank_column"})
		}
	}
	r.Station, _ = h.get(rec, colStation)
	switch {
	case r.Station == "":
		*errs = append(*errs, CSVError{Line: line, Column: colStation, Key: "results.csv_required"})
	case len(r.Station) > maxStationCodeLength || !report.ValidStationCode(r.Station):
		*errs = append(*errs, CSVError{Line: line, Column: colStation, Key: "results.csv_station_code", Args: []any{"Code", clip(r.Station)}})
		r.Station = ""
	}
	if h.add {
		r.Region, _ = h.get(rec, colRegion)
		r.District, _ = h.get(rec, colDistrict)
		for _, c := range []struct{ name, v string }{{colRegion, r.Region}, {colDistrict, r.District}} {
			if len(c.v) > maxAreaNameLen || strings.ContainsFunc(c.v, isControl) {
				*errs = append(*errs, CSVError{Line: line, Column: c.name, Key: "results.csv_bad_text"})
			}
		}
	}
	required := func(name string) int64 {
		s, _ := h.get(rec, name)
		if s == "" {
			*errs = append(*errs, CSVError{Line: line, Column: name, Key: "results.csv_required"})
			return 0
		}
		return number(line, name, s, errs)
	}
	r.Registered = required(colRegistered)
	r.Issued = required(colIssued)
	r.Valid = required(colValid)
	r.Invalid = required(colInvalid)
	for i, dst := range []**int64{&r.BallotsReceived, &r.Cancelled, &r.Mobile, &r.Stationary} {
		if s, ok := h.get(rec, optionalFigures[i]); ok && s != "" {
			v := number(line, optionalFigures[i], s, errs)
			*dst = &v
		}
	}
	r.Votes = make([]int64, len(h.candidates))
	for i, c := range h.votesCol {
		s := strings.TrimSpace(rec[c])
		if s == "" {
			*errs = append(*errs, CSVError{Line: line, Column: h.names[c], Key: "results.csv_required"})
			continue
		}
		r.Votes[i] = number(line, h.names[c], s, errs)
	}
	return r
}

// number reads a whole number ≥ 0 (spaces as thousands separators allowed, the
// no-break and thin spaces spreadsheets write among them).
func number(line int, column, s string, errs *CSVErrors) int64 {
	v, err := strconv.ParseInt(strings.Map(dropSpace, s), 10, 64)
	if err != nil || v < 0 || v > MaxFigure {
		*errs = append(*errs, CSVError{Line: line, Column: column, Key: "results.csv_number", Args: []any{"Value", clip(s), "Max", MaxFigure}})
		return 0
	}
	return v
}

func dropSpace(r rune) rune {
	if unicode.IsSpace(r) {
		return -1
	}
	return r
}

func validCandidate(code string) bool {
	if code == "" || len(code) > maxCandidateCodeLen {
		return false
	}
	for _, r := range code {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// clip shortens a hostile value before it is echoed in a message.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	cut := 40
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
