package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"text/template"
	"unicode/utf8"
)

// CSVFile is an outside CSV file (a station list, an observer roster, official
// results) being read: UTF-8 with or without a byte-order mark, comma or semicolon
// separated, a header row first, blank rows skipped. Each room that reads one says
// its errors in its own catalogue: their keys are its prefix followed by csv_unreadable,
// csv_too_large, csv_not_utf8, csv_empty, csv_syntax and csv_field_count (and, when it
// tells encodings apart, csv_utf16 and csv_windows1251).
type CSVFile struct {
	Header []string // the header row as written

	// After Next: the record's line (the header is line 1) and its fields. Bad is set
	// when the record is not as wide as the header; such a record is not to be read.
	Line   int
	Record []string
	Bad    *CSVError

	rd     *csv.Reader
	prefix string
	err    *CSVError
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// OpenCSV reads a whole file of at most maxBytes and its header row. With
// tellEncodings, a file that is not UTF-8 is said to be UTF-16 or Windows-1251 when it
// looks like one (what Excel writes unless told "CSV UTF-8"); without, it is only not
// UTF-8.
func OpenCSV(r io.Reader, prefix string, maxBytes int, tellEncodings bool) (*CSVFile, *CSVError) {
	data, err := io.ReadAll(io.LimitReader(r, int64(maxBytes)+1))
	if err != nil {
		return nil, &CSVError{Key: prefix + "csv_unreadable", Args: []any{"Detail", err.Error()}}
	}
	if len(data) > maxBytes {
		return nil, &CSVError{Key: prefix + "csv_too_large", Args: []any{"MB", maxBytes >> 20}}
	}
	if tellEncodings && (bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF})) {
		return nil, &CSVError{Line: 1, Key: prefix + "csv_utf16"}
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(data) {
		e := encodingError(data, prefix, tellEncodings)
		return nil, &e
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &CSVError{Line: 1, Key: prefix + "csv_empty"}
	}
	rd := csv.NewReader(bytes.NewReader(data))
	rd.Comma = separator(data)
	rd.FieldsPerRecord = -1
	head, err := rd.Read()
	if err != nil {
		e := syntaxError(err, prefix)
		return nil, &e
	}
	return &CSVFile{Header: head, rd: rd, prefix: prefix}, nil
}

// Next reads the next record that is not blank. It reports false at the end of the
// file and after a syntax error, which Err then returns.
func (f *CSVFile) Next() bool {
	for {
		rec, err := f.rd.Read()
		if errors.Is(err, io.EOF) {
			return false
		}
		if err != nil {
			// After a quoting error the reader's idea of where rows start is lost.
			e := syntaxError(err, f.prefix)
			f.err = &e
			return false
		}
		line, _ := f.rd.FieldPos(0)
		if blank(rec) {
			continue
		}
		f.Line, f.Record, f.Bad = line, rec, nil
		if n := len(f.Header); len(rec) != n && !(len(rec) > n && blank(rec[n:])) {
			f.Bad = &CSVError{Line: line, Key: f.prefix + "csv_field_count", Args: []any{"Got", len(rec), "Want", n}}
		}
		return true
	}
}

// Err is the syntax error that ended the reading; nil when the file was read to its end.
func (f *CSVFile) Err() *CSVError { return f.err }

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

func syntaxError(err error, prefix string) CSVError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return CSVError{Line: pe.Line, Key: prefix + "csv_syntax", Args: []any{"Detail", pe.Err.Error()}}
	}
	return CSVError{Key: prefix + "csv_unreadable", Args: []any{"Detail", err.Error()}}
}

// encodingError points at the first line that is not UTF-8 and, with tellEncodings,
// says whether the file looks like Windows-1251 (what Excel writes for Cyrillic).
func encodingError(data []byte, prefix string, tellEncodings bool) CSVError {
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
	if !tellEncodings {
		return CSVError{Line: line, Key: prefix + "csv_not_utf8"}
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
		return CSVError{Line: line, Key: prefix + "csv_windows1251"}
	}
	return CSVError{Line: line, Key: prefix + "csv_not_utf8"}
}

// FillEnglish fills a message's English template (named key) with data's name/value
// pairs, for a room's messages said without the web catalogue (Error(), logs, the
// command line). It reports false when the template does not parse or run.
func FillEnglish(key, text string, data ...any) (string, bool) {
	td := map[string]any{}
	for i := 0; i+1 < len(data); i += 2 {
		if k, ok := data[i].(string); ok {
			td[k] = data[i+1]
		}
	}
	tpl, err := template.New(key).Parse(text)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	if err := tpl.Execute(&b, td); err != nil {
		return "", false
	}
	return b.String(), true
}
