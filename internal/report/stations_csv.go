package report

import (
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // station time zones must validate on servers without a zoneinfo folder
	"unicode"
	"unicode/utf8"
)

// StationColumns are the columns of a stations CSV (formats.md), in the order an
// exported file would have them.
var StationColumns = []string{"code", "name", "region", "region_code", "district", "district_code",
	"address", "registered_voters", "timezone", "lat", "lon"}

var stationRequired = []string{"code", "region"}

// StationRecord is one station as an import file (or the demo) describes it, before
// it has a database id.
type StationRecord struct {
	Line             int // line of the file, for errors; 0 for generated records
	Code             string
	Name             string
	Region           string
	RegionCode       string // derived from Region when empty (DeriveCode)
	District         string
	DistrictCode     string // derived from District when empty
	Address          string
	RegisteredVoters *int64
	Timezone         string
	Lat, Lon         *float64
	// Absent names the optional columns the file did not have (shared by the rows
	// of one file): an import keeps what a station it updates has in them.
	Absent map[string]bool
}

// Lengths the columns may have, in characters.
const (
	maxCodeLen    = 32
	maxNameLen    = 200
	maxAddressLen = 300
)

// MaxRegisteredVoters is far above any real station; a bigger figure is a typing slip.
const MaxRegisteredVoters = 1_000_000

// ValidStationCode reports whether code looks like a station code: letters and digits
// with '-', '/' or '.' between them (071-023, PEC-1234, USA-1), at most 32 characters.
func ValidStationCode(code string) bool {
	if code == "" || utf8.RuneCountInString(code) > maxCodeLen {
		return false
	}
	for i, r := range code {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r)
		if i == 0 && !alnum {
			return false
		}
		if !alnum && r != '-' && r != '/' && r != '.' {
			return false
		}
	}
	return true
}

// ParseStations reads a stations CSV file and checks every row. When anything is
// wrong it returns CSVErrors listing all of it, and no records.
func ParseStations(r io.Reader) ([]StationRecord, error) {
	t, errs := readCSV(r, StationColumns, stationRequired)
	if t == nil {
		return nil, errs
	}
	recs := make([]StationRecord, 0, len(t.rows))
	absent := map[string]bool{}
	for _, c := range StationColumns {
		if !t.has(c) {
			absent[c] = true
		}
	}
	for _, row := range t.rows {
		rec := StationRecord{
			Absent:       absent,
			Line:         row.line,
			Code:         t.get(row, "code"),
			Name:         t.text(row, "name", maxNameLen, &errs),
			Region:       t.text(row, "region", maxNameLen, &errs),
			RegionCode:   t.get(row, "region_code"),
			District:     t.text(row, "district", maxNameLen, &errs),
			DistrictCode: t.get(row, "district_code"),
			Address:      t.text(row, "address", maxAddressLen, &errs),
			Timezone:     t.get(row, "timezone"),
		}
		if v := t.get(row, "registered_voters"); v != "" {
			n, ok := parseCount(v)
			if !ok {
				errs = append(errs, CSVError{Line: row.line, Column: "registered_voters", Key: "stations.csv_voters",
					Args: []any{"Max", MaxRegisteredVoters}})
			} else {
				rec.RegisteredVoters = &n
			}
		}
		rec.Lat = parseCoord(row.line, "lat", t.get(row, "lat"), 90, &errs)
		rec.Lon = parseCoord(row.line, "lon", t.get(row, "lon"), 180, &errs)
		recs = append(recs, rec)
	}
	errs = append(errs, ValidateStations(recs)...)
	if len(errs) > 0 {
		return nil, errs.tidy()
	}
	return recs, nil
}

// parseCount reads a whole number ≥ 0, allowing spaces between digit groups (1 520).
func parseCount(s string) (int64, bool) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > MaxRegisteredVoters {
		return 0, false
	}
	return n, true
}

// parseCoord reads decimal degrees within ±limit; a decimal comma (43,2567, as a
// spreadsheet with Russian settings writes it) is accepted.
func parseCoord(line int, column, s string, limit float64, errs *CSVErrors) *float64 {
	if s == "" {
		return nil
	}
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < -limit || v > limit {
		*errs = append(*errs, CSVError{Line: line, Column: column, Key: "stations.csv_coord", Args: []any{"Limit", int(limit)}})
		return nil
	}
	return &v
}

// ValidTimezone reports whether tz names an IANA zone ("" means unknown, which is allowed).
func ValidTimezone(tz string) bool {
	if tz == "" {
		return true
	}
	if tz == "Local" || strings.Contains(tz, "..") || strings.HasPrefix(tz, "/") {
		return false
	}
	_, err := time.LoadLocation(tz)
	return err == nil
}

// ValidateStations checks records as a whole (codes, consistency of regions and
// districts between rows, duplicate codes) and fills derived region and district codes.
// Records made by a program (the demo) go through it as the file's rows do.
func ValidateStations(recs []StationRecord) CSVErrors {
	var errs CSVErrors
	add := func(line int, column, key string, args ...any) {
		errs = append(errs, CSVError{Line: line, Column: column, Key: key, Args: args})
	}
	// Codes given explicitly for a region or district name are used for the rows
	// of the same name that leave the code out.
	regionCodeOf := map[string]string{}
	for _, r := range recs {
		if r.RegionCode != "" && r.Region != "" {
			if _, ok := regionCodeOf[strings.ToLower(r.Region)]; !ok {
				regionCodeOf[strings.ToLower(r.Region)] = r.RegionCode
			}
		}
	}
	type seen struct {
		line int
		name string
	}
	codes := map[string]int{}
	regions := map[string]seen{}   // region code -> first line and name
	districts := map[string]seen{} // region code + "\x00" + district code -> first line and name
	districtCodeOf := map[string]string{}
	for i := range recs {
		r := &recs[i]
		switch {
		case r.Code == "":
			errs = append(errs, requiredErr(r.Line, "code"))
		case !ValidStationCode(r.Code):
			add(r.Line, "code", "stations.csv_code", "Code", r.Code)
		default:
			key := strings.ToLower(r.Code)
			if first, dup := codes[key]; dup {
				add(r.Line, "code", "stations.csv_duplicate_code", "Code", r.Code, "First", first)
			} else {
				codes[key] = r.Line
			}
		}
		if r.Region == "" {
			errs = append(errs, requiredErr(r.Line, "region"))
			continue
		}
		if r.RegionCode == "" {
			if c, ok := regionCodeOf[strings.ToLower(r.Region)]; ok {
				r.RegionCode = c
			} else {
				r.RegionCode = DeriveCode(r.Region)
			}
		} else if !ValidAreaCode(r.RegionCode) {
			add(r.Line, "region_code", "stations.csv_area_code", "Code", r.RegionCode)
			continue
		}
		if prev, ok := regions[r.RegionCode]; !ok {
			regions[r.RegionCode] = seen{r.Line, r.Region}
		} else if prev.name != r.Region {
			add(r.Line, "region", "stations.csv_region_mismatch", "Code", r.RegionCode, "Name", prev.name, "First", prev.line)
		}
		if r.District == "" && r.DistrictCode != "" {
			r.District = r.DistrictCode
		}
		if r.District != "" {
			nameKey := r.RegionCode + "\x00" + strings.ToLower(r.District)
			switch {
			case r.DistrictCode != "" && !ValidAreaCode(r.DistrictCode):
				add(r.Line, "district_code", "stations.csv_area_code", "Code", r.DistrictCode)
			case r.DistrictCode == "":
				if c, ok := districtCodeOf[nameKey]; ok {
					r.DistrictCode = c
				} else {
					r.DistrictCode = DeriveCode(r.District)
				}
			}
			if _, ok := districtCodeOf[nameKey]; !ok {
				districtCodeOf[nameKey] = r.DistrictCode
			}
			key := r.RegionCode + "\x00" + r.DistrictCode
			if prev, ok := districts[key]; !ok {
				districts[key] = seen{r.Line, r.District}
			} else if prev.name != r.District {
				add(r.Line, "district", "stations.csv_district_mismatch", "Code", r.DistrictCode, "Name", prev.name, "First", prev.line)
			}
		}
		if !ValidTimezone(r.Timezone) {
			add(r.Line, "timezone", "stations.csv_timezone", "Zone", r.Timezone)
		}
		if (r.Lat == nil) != (r.Lon == nil) {
			missing := "lon"
			if r.Lat == nil {
				missing = "lat"
			}
			add(r.Line, missing, "stations.csv_coord_pair")
		}
	}
	return errs
}
