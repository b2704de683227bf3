package report

import (
	"io"
	"net/mail"
	"regexp"
	"strings"
	"unicode"
)

// ObserverColumns are the columns of an observers CSV (formats.md).
var ObserverColumns = []string{"code", "name", "phone", "email", "region_code", "stations"}

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
		}
		rec.Contact.Name = t.text(row, "name", maxNameLen, &errs)
		rec.Contact.Phone = t.text(row, "phone", 40, &errs)
		rec.Contact.Email = strings.TrimSpace(t.get(row, "email"))
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
