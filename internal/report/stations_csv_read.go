package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"
)

// MaxImportBytes is the largest CSV file an import reads (a national station list
// of 10,000 rows is about 1 MB).
const MaxImportBytes = 64 << 20

// CSVError is one thing wrong with an imported file. Key is a catalogue key and
// Args its placeholders (alternating names and values), so the page can say it in
// the reader's language; Error() says it in English.
type CSVError struct {
	Line   int    // 1-based line of the file (the header is line 1); 0: the whole file
	Column string // the column's name in the header; "" when the error is about the line
	Key    string
	Args   []any
}

// Text says what is wrong in tr's language: "line N, column C: what is wrong".
func (e CSVError) Text(tr Translator) string {
	msg := tr.T(e.Key, e.Args...)
	switch {
	case e.Column != "":
		return tr.T("stations.csv_at_column", "Line", e.Line, "Column", e.Column, "Message", msg)
	case e.Line > 0:
		return tr.T("stations.csv_at_line", "Line", e.Line, "Message", msg)
	}
	return msg
}

func (e CSVError) Error() string { return e.Text(english{}) }

// CSVErrors is every error of a file, in file order. An import that returns it has
// written nothing.
type CSVErrors []CSVError

func (es CSVErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Sort orders the errors by line, keeping the order within a line.
func (es CSVErrors) Sort() {
	slices.SortStableFunc(es, func(a, b CSVError) int { return a.Line - b.Line })
}

// tidy sorts the errors by line and keeps one error per cell: a value that did not
// parse need not also be reported as missing.
func (es CSVErrors) tidy() CSVErrors {
	es.Sort()
	out := es[:0]
	type cell struct {
		line   int
		column string
	}
	seen := map[cell]bool{}
	for _, e := range es {
		if e.Column != "" {
			if seen[cell{e.Line, e.Column}] {
				continue
			}
			seen[cell{e.Line, e.Column}] = true
		}
		out = append(out, e)
	}
	return out
}

// ImportCounts says what an import did.
type ImportCounts struct {
	Added, Updated, Unchanged int
}

// csvTable is a parsed CSV file: the header's (lower-cased) column names, and the rows
// that are not blank.
type csvTable struct {
	header []string
	col    map[string]int
	rows   []csvRow
}

type csvRow struct {
	line   int
	fields []string
}

// get returns a row's value of a column, trimmed; "" when the file has no such column.
func (t *csvTable) get(r csvRow, column string) string {
	i, ok := t.col[column]
	if !ok || i >= len(r.fields) {
		return ""
	}
	return strings.TrimSpace(r.fields[i])
}

func (t *csvTable) has(column string) bool {
	_, ok := t.col[column]
	return ok
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readCSV reads a whole CSV file: UTF-8 with or without a byte-order mark, comma or
// semicolon separated, a header row naming only known columns and every required one.
// On any error of the file's shape it returns the errors and no table.
func readCSV(r io.Reader, known, required []string) (*csvTable, CSVErrors) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, CSVErrors{{Key: "stations.csv_unreadable", Args: []any{"Detail", err.Error()}}}
	}
	if len(data) > MaxImportBytes {
		return nil, CSVErrors{{Key: "stations.csv_too_large", Args: []any{"MB", MaxImportBytes >> 20}}}
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return nil, CSVErrors{{Line: 1, Key: "stations.csv_utf16"}}
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(data) {
		return nil, CSVErrors{encodingError(data)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, CSVErrors{{Line: 1, Key: "stations.csv_empty"}}
	}
	rd := csv.NewReader(bytes.NewReader(data))
	rd.Comma = separator(data)
	rd.FieldsPerRecord = -1
	head, err := rd.Read()
	if err != nil {
		return nil, CSVErrors{syntaxError(err)}
	}
	t := &csvTable{col: map[string]int{}}
	var errs CSVErrors
	for i, h := range head {
		name := strings.ToLower(strings.TrimSpace(h))
		t.header = append(t.header, name)
		switch {
		case name == "":
			if i == len(head)-1 && i > 0 {
				continue // a trailing separator after the last name
			}
			errs = append(errs, CSVError{Line: 1, Key: "stations.csv_blank_column", Args: []any{"N", i + 1}})
		case !slices.Contains(known, name):
			errs = append(errs, CSVError{Line: 1, Column: name, Key: "stations.csv_unknown_column",
				Args: []any{"Known", strings.Join(known, ", ")}})
		case t.has(name):
			errs = append(errs, CSVError{Line: 1, Column: name, Key: "stations.csv_duplicate_column"})
		default:
			t.col[name] = i
		}
	}
	for _, req := range required {
		if !t.has(req) {
			errs = append(errs, CSVError{Line: 1, Column: req, Key: "stations.csv_missing_column"})
		}
	}
	if len(errs) > 0 {
		// Rows are read against the header: with a wrong header every row would be wrong too.
		return nil, errs
	}
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// After a quoting error the reader's idea of where rows start is lost.
			return nil, append(errs, syntaxError(err))
		}
		line, _ := rd.FieldPos(0)
		if blank(rec) {
			continue
		}
		if len(rec) != len(head) && !(len(rec) > len(head) && blank(rec[len(head):])) {
			errs = append(errs, CSVError{Line: line, Key: "stations.csv_field_count", Args: []any{"Got", len(rec), "Want", len(head)}})
			continue
		}
		t.rows = append(t.rows, csvRow{line: line, fields: rec})
	}
	return t, errs
}

func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// separator picks ';' or ',' by which of them the header line has more of, outside quotes.
func separator(data []byte) rune {
	commas, semis := 0, 0
	quoted := false
	for _, b := range data {
		if b == '\n' && !quoted {
			break
		}
		switch b {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				commas++
			}
		case ';':
			if !quoted {
				semis++
			}
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

func syntaxError(err error) CSVError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return CSVError{Line: pe.Line, Key: "stations.csv_syntax", Args: []any{"Detail", pe.Err.Error()}}
	}
	return CSVError{Key: "stations.csv_unreadable", Args: []any{"Detail", err.Error()}}
}

// encodingError points at the first line that is not UTF-8, and says whether the file
// looks like Windows-1251 (what Excel writes for Cyrillic unless told "CSV UTF-8").
func encodingError(data []byte) CSVError {
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	high, cyr := 0, 0
	for _, b := range data {
		if b >= 0x80 {
			high++
			if b >= 0xC0 || b == 0xA8 || b == 0xB8 || b == 0xAA || b == 0xBA || b == 0xAF || b == 0xBF {
				cyr++
			}
		}
	}
	if high > 0 && cyr*10 >= high*8 {
		return CSVError{Line: line, Key: "stations.csv_windows1251"}
	}
	return CSVError{Line: line, Key: "stations.csv_not_utf8"}
}

// cleanText trims a text value and folds runs of white space (line breaks typed into a
// spreadsheet cell) into one space. It reports false for control characters.
func cleanText(s string) (string, bool) {
	ok := true
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r) || r == utf8.RuneError:
			ok = false
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String(), ok
}

// english renders the CSV messages without the catalogue (for Error(), logs and the
// command line). The catalogue's English must say the same: a test compares them.
type english struct{}

func (english) Lang() string { return "en" }

func (e english) N(key string, count int, data ...any) string {
	return e.T(key, append(data, "Count", count)...)
}

func (english) T(key string, data ...any) string {
	text, ok := csvEnglish[key]
	if !ok {
		return key
	}
	td := map[string]any{}
	for i := 0; i+1 < len(data); i += 2 {
		if k, ok := data[i].(string); ok {
			td[k] = data[i+1]
		}
	}
	tpl, err := template.New(key).Parse(text)
	if err != nil {
		return key
	}
	var b strings.Builder
	if err := tpl.Execute(&b, td); err != nil {
		return key
	}
	return b.String()
}

// CSVMessages returns the English text of every CSV error key (for the catalogue test).
func CSVMessages() map[string]string {
	out := make(map[string]string, len(csvEnglish))
	for k, v := range csvEnglish {
		out[k] = v
	}
	return out
}

func tooLong(line int, column string, max int) CSVError {
	return CSVError{Line: line, Column: column, Key: "stations.csv_too_long", Args: []any{"Max", max}}
}

func requiredErr(line int, column string) CSVError {
	return CSVError{Line: line, Column: column, Key: "stations.csv_required"}
}

func controlErr(line int, column string) CSVError {
	return CSVError{Line: line, Column: column, Key: "stations.csv_control"}
}

// text cleans one text column of a row and checks its length.
func (t *csvTable) text(r csvRow, column string, max int, errs *CSVErrors) string {
	v, ok := cleanText(t.get(r, column))
	if !ok {
		*errs = append(*errs, controlErr(r.line, column))
	}
	if utf8.RuneCountInString(v) > max {
		*errs = append(*errs, tooLong(r.line, column, max))
	}
	return v
}
