package report

import (
	"fmt"
	"io"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// ObserverColumns are the columns of an observers CSV (formats.md).
var ObserverColumns = []string{"code", "name", "phone", "email", "region_code", "stations", "language"}

// ObserverLanguages are the languages an observer's messages can be answered in
// (the observers CSV's language column); DefaultObserverLanguage is used when the
// file does not say.
var ObserverLanguages = []string{"en", "ru", "kk"}

const DefaultObserverLanguage = "ru"

// ObserverRecord is one observer of an import file. Contact is personal data: it is
// stored sealed and must never reach a log or an error message.
type ObserverRecord struct {
	Line       int
	Code       string
	Contact    ObserverContact
	RegionCode string
	// Stations are the codes of the stations assigned for the election. When
	// SetStations is true (the file has the column), they replace the observer's
	// assignments in that election; an empty list removes them.
	Stations    []string
	SetStations bool
	// Language answers the observer's messages until they have an account (en, ru
	// or kk). When SetLanguage is true (the file has the column) it replaces the
	// observer's; an empty cell means DefaultObserverLanguage.
	Language    string
	SetLanguage bool
}

// observerCodeRe is what a pseudonymous observer code may be (ValidateObserverCode).
var observerCodeRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$`)

// ValidObserverCode reports whether code can be a pseudonymous observer code (OBS-0142).
func ValidObserverCode(code string) bool { return observerCodeRe.MatchString(code) }

// ValidPhone accepts what people write for a phone number: digits with spaces, '+',
// '-', '.', and brackets, 5 to 20 digits.
func ValidPhone(p string) bool {
	digits := 0
	for i, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return false
		}
	}
	return digits >= 5 && digits <= 20
}

// ValidEmail accepts a bare address (no display name).
func ValidEmail(e string) bool {
	a, err := mail.ParseAddress(e)
	return err == nil && a.Address == e && a.Name == "" && len(e) <= 254
}

// ParseObservers reads an observers CSV and checks every row as far as the file alone
// allows (whether the stations exist is checked at import, against the database).
// Error messages never repeat a name, phone or e-mail: they name the column only.
func ParseObservers(r io.Reader) ([]ObserverRecord, error) {
	t, errs := readCSV(r, ObserverColumns, []string{"code"})
	if t == nil {
		return nil, errs
	}
	recs := make([]ObserverRecord, 0, len(t.rows))
	for _, row := range t.rows {
		rec := ObserverRecord{
			Line:        row.line,
			Code:        t.get(row, "code"),
			RegionCode:  t.get(row, "region_code"),
			SetStations: t.has("stations"),
			SetLanguage: t.has("language"),
		}
		rec.Contact.Name = unguard(t.text(row, "name", maxNameLen, &errs))
		rec.Contact.Phone = unguard(t.text(row, "phone", 40, &errs))
		rec.Contact.Email = unguard(strings.TrimSpace(t.get(row, "email")))
		if rec.SetLanguage {
			rec.Language = strings.ToLower(t.text(row, "language", 8, &errs))
			if rec.Language == "" {
				rec.Language = DefaultObserverLanguage
			}
		}
		for _, c := range strings.FieldsFunc(t.get(row, "stations"), func(r rune) bool { return r == ';' || unicode.IsSpace(r) }) {
			rec.Stations = append(rec.Stations, c)
		}
		recs = append(recs, rec)
	}
	errs = append(errs, ValidateObservers(recs)...)
	if len(errs) > 0 {
		return nil, errs.tidy()
	}
	return recs, nil
}

// ValidateObservers checks records as a whole: codes, contact formats, station code
// syntax, duplicates.
func ValidateObservers(recs []ObserverRecord) CSVErrors {
	var errs CSVErrors
	add := func(line int, column, key string, args ...any) {
		errs = append(errs, CSVError{Line: line, Column: column, Key: key, Args: args})
	}
	codes := map[string]int{}
	for _, r := range recs {
		switch {
		case r.Code == "":
			errs = append(errs, requiredErr(r.Line, "code"))
		case !ValidObserverCode(r.Code):
			add(r.Line, "code", "stations.csv_observer_code", "Code", r.Code)
		default:
			key := strings.ToLower(r.Code)
			if first, dup := codes[key]; dup {
				add(r.Line, "code", "stations.csv_duplicate_code", "Code", r.Code, "First", first)
			} else {
				codes[key] = r.Line
			}
		}
		if r.Contact.Phone != "" && !ValidPhone(r.Contact.Phone) {
			add(r.Line, "phone", "stations.csv_phone")
		}
		if r.Contact.Email != "" && !ValidEmail(r.Contact.Email) {
			add(r.Line, "email", "stations.csv_email")
		}
		if r.SetLanguage && r.Language != "" && !slices.Contains(ObserverLanguages, r.Language) {
			add(r.Line, "language", "stations.csv_language", "Value", r.Language)
		}
		if r.RegionCode != "" && !ValidAreaCode(r.RegionCode) {
			add(r.Line, "region_code", "stations.csv_area_code", "Code", r.RegionCode)
		}
		seen := map[string]bool{}
		for _, c := range r.Stations {
			switch {
			case !ValidStationCode(c):
				add(r.Line, "stations", "stations.csv_code", "Code", c)
			case seen[c]:
				add(r.Line, "stations", "stations.csv_station_twice", "Code", c)
			}
			seen[c] = true
		}
	}
	return errs
}

// unguard takes off the apostrophe a CSV export puts before a value that starts
// like a formula (csvSafe): a phone number exported as '+7 701 … imports as it was.
func unguard(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@", rune(s[1])) {
		return s[1:]
	}
	return s
}

// ObserverCSVWriter writes observers in the columns the import reads, so that a
// roster exported from one installation imports into another: contact details
// only when the coordinator asked for them.
type ObserverCSVWriter struct {
	out      csvOut
	contacts bool
}

// NewObserverCSV writes the byte-order mark and the header row.
func NewObserverCSV(w io.Writer, includeContacts bool) (*ObserverCSVWriter, error) {
	head := []string{"code"}
	if includeContacts {
		head = append(head, "name", "phone", "email")
	}
	head = append(head, "region_code", "stations", "language")
	// The contact columns are written here, in the import's order, rather than
	// appended by csvOut.
	t, err := newCSVOut(w, head, false)
	if err != nil {
		return nil, err
	}
	return &ObserverCSVWriter{out: t, contacts: includeContacts}, nil
}

// Write adds one observer; rec.Stations are the election's, rec.Contact is
// written only with contact details.
func (c *ObserverCSVWriter) Write(rec ObserverRecord) error {
	lang := rec.Language
	if lang == "" {
		lang = DefaultObserverLanguage
	}
	row := append(c.out.row[:0], rec.Code)
	if c.contacts {
		row = append(row, rec.Contact.Name, rec.Contact.Phone, rec.Contact.Email)
	}
	c.out.row = append(row, rec.RegionCode, strings.Join(rec.Stations, ";"), lang)
	if err := c.out.put(nil, "observer", 0); err != nil {
		return fmt.Errorf("report: unable to write observer %s: %w", rec.Code, err)
	}
	return nil
}

// Close flushes what is buffered; it does not close the underlying writer.
func (c *ObserverCSVWriter) Close() error { return c.out.Close() }
