package report

import (
	"io"
	"slices"
	"strings"
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

// readCSV reads a whole CSV file: UTF-8 with or without a byte-order mark, comma or
// semicolon separated, a header row naming only known columns and every required one.
// On any error of the file's shape it returns the errors and no table.
func readCSV(r io.Reader, known, required []string) (*csvTable, CSVErrors) {
	f, bad := OpenCSV(r, "stations.", MaxImportBytes, true)
	if bad != nil {
		return nil, CSVErrors{*bad}
	}
	head := f.Header
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
	for f.Next() {
		if f.Bad != nil {
			errs = append(errs, *f.Bad)
			continue
		}
		t.rows = append(t.rows, csvRow{line: f.Line, fields: f.Record})
	}
	if e := f.Err(); e != nil {
		return nil, append(errs, *e)
	}
	return t, errs
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
	s, ok := FillEnglish(key, text, data...)
	if !ok {
		return key
	}
	return s
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
