package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/observerkz/observer/web/i18n"
)

const goodStations = "code,name,region,district,address,registered_voters,timezone,lat,lon\n" +
	"071-023,Polling station No. 23,Almaty,Bostandyk,\"12 Abai Ave, Almaty\",1520,Asia/Almaty,43.2389,76.8897\n" +
	"071-024,Polling station No. 24,Almaty,Bostandyk,14 Abai Ave,980,Asia/Almaty,,\n" +
	"USA-1,Embassy in Washington,Abroad,,,120,America/New_York,38.9,-77.04\n"

func TestParseStationsGood(t *testing.T) {
	recs, err := ParseStations(strings.NewReader(goodStations))
	if err != nil {
		t.Fatalf("good file rejected: %v", err)
	}
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3", len(recs))
	}
	r := recs[0]
	if r.Code != "071-023" || r.Region != "Almaty" || r.RegionCode != "almaty" || r.DistrictCode != "bostandyk" ||
		r.Address != "12 Abai Ave, Almaty" || *r.RegisteredVoters != 1520 || *r.Lat != 43.2389 || r.Line != 2 {
		t.Errorf("first record = %+v", r)
	}
	if recs[1].Lat != nil || recs[1].Lon != nil {
		t.Errorf("empty coordinates should stay nil")
	}
	if recs[2].DistrictCode != "" || recs[2].RegionCode != "abroad" {
		t.Errorf("abroad record = %+v", recs[2])
	}
}

func TestParseStationsVariants(t *testing.T) {
	// BOM, semicolons, columns in another order, upper-case header, decimal commas,
	// Cyrillic region names with and without explicit codes, CRLF line ends.
	file := "\xEF\xBB\xBF" + "Region;Code;Region_Code;lat;lon;Registered_Voters\r\n" +
		"Алматы;071-023;;43,2389;76,8897;1 520\r\n" +
		"Абай облысы;101-001;;;;\r\n" +
		"Абай облысы;101-002;abai;;;\r\n" +
		";;;;;\r\n"
	recs, err := ParseStations(strings.NewReader(file))
	if err != nil {
		t.Fatalf("rejected: %v", err)
	}
	if len(recs) != 3 {
		t.Fatalf("got %d records (the blank row must be skipped)", len(recs))
	}
	if recs[0].RegionCode != "almaty" || *recs[0].Lat != 43.2389 || *recs[0].RegisteredVoters != 1520 {
		t.Errorf("record = %+v", recs[0])
	}
	// The explicit code given on line 4 applies to line 3's row of the same region.
	if recs[1].RegionCode != "abai" || recs[2].RegionCode != "abai" {
		t.Errorf("region codes %q, %q; want abai for both", recs[1].RegionCode, recs[2].RegionCode)
	}
}

func TestParseStationsErrors(t *testing.T) {
	header := "code,name,region,registered_voters,timezone,lat,lon\n"
	cp1251 := []byte("code,name,region\n071-001,")
	cp1251 = append(cp1251, 0xD3, 0xF7, 0xE0, 0xF1, 0xF2, 0xEE, 0xEA) // "Участок" in Windows-1251
	cp1251 = append(cp1251, []byte(",\xC0\xEB\xEC\xE0\xF2\xFB\n")...)
	cases := []struct {
		name string
		file string
		want []string // every error line, in order
	}{
		{"bad code", header + "071 023,x,Almaty,,,,\n",
			[]string{`line 2, column code: “071 023” is not a valid station code`}},
		{"unknown column", "code,region,colour\n071-023,Almaty,red\n",
			[]string{`line 1, column colour: unknown column`}},
		{"missing required column", "code,name\n071-023,x\n",
			[]string{`line 1, column region: the header lacks this required column`}},
		{"duplicate code", header + "071-023,a,Almaty,,,,\n071-024,b,Almaty,,,,\n071-023,c,Almaty,,,,\n",
			[]string{`line 4, column code: the code 071-023 is already on line 2`}},
		{"negative voters", header + "071-023,a,Almaty,-5,,,\n",
			[]string{`line 2, column registered_voters: must be a whole number from 0 to`}},
		{"wrong encoding", string(cp1251),
			[]string{`line 2: the file is not UTF-8: it looks like Windows-1251`}},
		{"every error listed", header +
			"071-023,a,Almaty,12.5,Mars/Olympus,91,10\n" +
			",b,,,,,\n" +
			"071-025,c,Almaty,,,43.2,\n",
			[]string{
				`line 2, column registered_voters: must be a whole number`,
				`line 2, column lat: must be decimal degrees between -90 and 90`,
				`line 2, column timezone: “Mars/Olympus” is not an IANA time zone`,
				`line 3, column code: a value is required`,
				`line 3, column region: a value is required`,
				`line 4, column lon: give both lat and lon, or neither`,
			}},
		{"field count", header + "071-023,a,Almaty\n",
			[]string{`line 2: the row has 3 fields but the header has 7`}},
		{"region code clash", "code,region,region_code\n1,Almaty,ala\n2,Astana,ala\n",
			[]string{`line 3, column region: the region code ala is used for “Almaty” on line 2`}},
		{"empty file", "\xEF\xBB\xBF  \n", []string{`line 1: the file is empty`}},
		{"bad quotes", header + "071-023,\"a,Almaty,,,,\n", []string{`the CSV is malformed`}},
		{"timezone Local", header + "071-023,a,Almaty,,Local,,\n", []string{`column timezone`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := ParseStations(strings.NewReader(tc.file))
			if err == nil {
				t.Fatalf("accepted a broken file: %+v", recs)
			}
			if recs != nil {
				t.Errorf("returned records with errors")
			}
			var errs CSVErrors
			if !errors.As(err, &errs) {
				t.Fatalf("error %T is not CSVErrors: %v", err, err)
			}
			if len(errs) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.Contains(errs[i].Error(), w) {
					t.Errorf("error %d = %q, want it to contain %q", i, errs[i].Error(), w)
				}
			}
		})
	}
}

func TestDeriveCode(t *testing.T) {
	cases := map[string]string{
		"Almaty":              "almaty",
		"  Almaty Region ":    "almaty-region",
		"Алматы":              "almaty",
		"Абай облысы":         "abai-oblysy",
		"Шығыс Қазақстан":     "shygys-kazakstan",
		"Île-de-France":       "ile-de-france",
		"North Kazakhstan":    "north-kazakhstan",
		"Түркістан облысы":    "turkistan-oblysy",
		"No. 5 (Saryarka)":    "no-5-saryarka",
		"Ақмола / Akmola":     "akmola-akmola",
		"Жетісу облысы, 2024": "zhetisu-oblysy-2024",
	}
	for in, want := range cases {
		if got := DeriveCode(in); got != want {
			t.Errorf("DeriveCode(%q) = %q, want %q", in, got, want)
		}
		if !ValidAreaCode(DeriveCode(in)) {
			t.Errorf("DeriveCode(%q) is not a valid area code", in)
		}
	}
	long := DeriveCode(strings.Repeat("Very Long Region Name ", 5))
	if len(long) > 32 || !ValidAreaCode(long) || long != DeriveCode(strings.Repeat("Very Long Region Name ", 5)) {
		t.Errorf("long name gives %q", long)
	}
	if c := DeriveCode("北京"); !ValidAreaCode(c) || c != DeriveCode("北京") || c == DeriveCode("东京") {
		t.Errorf("untransliterable names give %q", c)
	}
}

func TestValidStationCode(t *testing.T) {
	for _, ok := range []string{"071-023", "PEC-1234", "USA-1", "12/3", "A.1", "7"} {
		if !ValidStationCode(ok) {
			t.Errorf("%q rejected", ok)
		}
	}
	for _, bad := range []string{"", "-1", "071 023", "a_b", "x;y", strings.Repeat("1", 33), "<b>"} {
		if ValidStationCode(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParseStations: any input gives records or errors, never a panic; accepted
// records satisfy every rule; errors point at real lines.
func FuzzParseStations(f *testing.F) {
	f.Add([]byte(goodStations))
	f.Add([]byte("code;region\n1;A\n"))
	f.Add([]byte("\xEF\xBB\xBFcode,region,lat,lon\n1,A,1,2\n"))
	f.Add([]byte("code,region\n\"1\n2\",A\n"))
	f.Add([]byte("code,region,region_code\n1,A,b\n2,C,b\n"))
	f.Add([]byte{0xFF, 0xFE, 'c', 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := ParseStations(bytes.NewReader(data))
		if err != nil {
			var errs CSVErrors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error is not a non-empty CSVErrors: %v", err)
			}
			lines := bytes.Count(data, []byte("\n")) + 1
			for _, e := range errs {
				if e.Line < 0 || e.Line > lines {
					t.Fatalf("error on line %d of a %d-line file: %v", e.Line, lines, e)
				}
				if e.Error() == "" || strings.Contains(e.Error(), "stations.csv_") {
					t.Fatalf("untranslated message %q", e.Error())
				}
			}
			return
		}
		seen := map[string]bool{}
		for _, r := range recs {
			if !ValidStationCode(r.Code) || r.Region == "" || !ValidAreaCode(r.RegionCode) || !utf8.ValidString(r.Name) {
				t.Fatalf("accepted an invalid record %+v", r)
			}
			if r.DistrictCode != "" && !ValidAreaCode(r.DistrictCode) {
				t.Fatalf("accepted district code %q", r.DistrictCode)
			}
			if seen[strings.ToLower(r.Code)] {
				t.Fatalf("accepted duplicate code %q", r.Code)
			}
			seen[strings.ToLower(r.Code)] = true
			if r.RegisteredVoters != nil && *r.RegisteredVoters < 0 {
				t.Fatalf("negative voters")
			}
			if (r.Lat == nil) != (r.Lon == nil) || r.Lat != nil && (*r.Lat < -90 || *r.Lat > 90 || *r.Lon < -180 || *r.Lon > 180) {
				t.Fatalf("bad coordinates accepted")
			}
			if !ValidTimezone(r.Timezone) {
				t.Fatalf("bad time zone %q accepted", r.Timezone)
			}
		}
	})
}

// The command line's English (csvEnglish) and the catalogue's must say the same, and
// every message must exist in the catalogue for the pages.
func TestCSVMessagesMatchCatalogue(t *testing.T) {
	en := i18n.New("en")
	for key, text := range CSVMessages() {
		if !i18n.Has(key) {
			t.Errorf("%s is not in the catalogue", key)
			continue
		}
		args := []any{"Line", 3, "Column", "code", "Message", "m", "Detail", "d", "MB", 64, "N", 2, "Known", "k",
			"Got", 2, "Want", 3, "Max", 9, "Limit", 90, "Code", "X", "First", 2, "Name", "N", "Zone", "Z"}
		if got, want := en.T(key, args...), (english{}).T(key, args...); got != want {
			t.Errorf("%s: catalogue says %q, the command line %q (source %q)", key, got, want, text)
		}
	}
	e := CSVError{Line: 4, Column: "code", Key: "stations.csv_duplicate_code", Args: []any{"Code", "071-023", "First", 2}}
	if got := e.Text(i18n.New("ru")); got != "строка 4, столбец code: код 071-023 уже есть в строке 2" {
		t.Errorf("Russian: %q", got)
	}
}
