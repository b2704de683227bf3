package report

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseObservers(t *testing.T) {
	file := "code;name;phone;email;region_code;stations\n" +
		"OBS-0001;Aigerim Nurlanqyzy;+7 701 555 12 34;aigerim@example.org;almaty;071-023; 071-024\n" +
		"OBS-0002;;;;;\n"
	// Semicolons separate both fields and station codes: the stations must be quoted.
	file = strings.Replace(file, "071-023; 071-024", "\"071-023; 071-024\"", 1)
	recs, err := ParseObservers(strings.NewReader(file))
	if err != nil {
		t.Fatalf("rejected: %v", err)
	}
	if len(recs) != 2 {
		t.Fatalf("got %d records", len(recs))
	}
	r := recs[0]
	if r.Code != "OBS-0001" || r.Contact.Name != "Aigerim Nurlanqyzy" || r.Contact.Phone != "+7 701 555 12 34" ||
		r.Contact.Email != "aigerim@example.org" || r.RegionCode != "almaty" || !r.SetStations ||
		strings.Join(r.Stations, ",") != "071-023,071-024" {
		t.Errorf("record = %+v", r)
	}
	if !recs[1].SetStations || len(recs[1].Stations) != 0 || recs[1].Contact != (ObserverContact{}) {
		t.Errorf("empty row = %+v", recs[1])
	}
	recs, err = ParseObservers(strings.NewReader("code\nOBS-7\n"))
	if err != nil || recs[0].SetStations {
		t.Errorf("a file without a stations column must leave assignments alone: %+v, %v", recs, err)
	}
}

func TestParseObserversErrorsHideContacts(t *testing.T) {
	file := "code,name,phone,email,stations\n" +
		"OBS 1,Secret Name,call me maybe,not-an-email,071_023\n" +
		"OBS-2,,,,\n" +
		"obs-2,,,,\n"
	_, err := ParseObservers(strings.NewReader(file))
	var errs CSVErrors
	if !errors.As(err, &errs) {
		t.Fatalf("want CSVErrors, got %v", err)
	}
	want := []string{
		"line 2, column code: “OBS 1” is not a valid observer code",
		"line 2, column phone: not a phone number",
		"line 2, column email: not an e-mail address",
		"line 2, column stations: “071_023” is not a valid station code",
		"line 4, column code: the code obs-2 is already on line 3",
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want %q", i, errs[i].Error(), w)
		}
	}
	for _, secret := range []string{"Secret", "call me", "not-an-email"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("an error message repeats personal data %q: %v", secret, err)
		}
	}
}

func TestParseObserversUnknownColumn(t *testing.T) {
	_, err := ParseObservers(strings.NewReader("code,passport\nOBS-1,123\n"))
	if err == nil || !strings.Contains(err.Error(), "line 1, column passport: unknown column") {
		t.Fatalf("got %v", err)
	}
}

func FuzzParseObservers(f *testing.F) {
	f.Add([]byte("code,name,phone,email,region_code,stations\nOBS-1,A,+7 701 000 00 00,a@example.org,almaty,1;2\n"))
	f.Add([]byte("code;stations\nOBS-1;\"1;2\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := ParseObservers(bytes.NewReader(data))
		if err != nil {
			var errs CSVErrors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error is not a non-empty CSVErrors: %v", err)
			}
			return
		}
		for _, r := range recs {
			if !ValidObserverCode(r.Code) {
				t.Fatalf("accepted code %q", r.Code)
			}
			if r.Contact.Email != "" && !ValidEmail(r.Contact.Email) || r.Contact.Phone != "" && !ValidPhone(r.Contact.Phone) {
				t.Fatalf("accepted bad contact details")
			}
			for _, c := range r.Stations {
				if !ValidStationCode(c) {
					t.Fatalf("accepted station code %q", c)
				}
			}
			if r.SetLanguage != slices.Contains(ObserverLanguages, r.Language) || !r.SetLanguage && r.Language != "" {
				t.Fatalf("accepted language %q (column present: %v)", r.Language, r.SetLanguage)
			}
		}
	})
}

func TestParseObserversLanguage(t *testing.T) {
	file := "code,stations,language\n" +
		"OBS-1,,kk\n" +
		"OBS-2,, RU \n" +
		"OBS-3,,\n" +
		"OBS-4,,en\n"
	recs, err := ParseObservers(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"kk", "ru", "ru", "en"} {
		if !recs[i].SetLanguage || recs[i].Language != want {
			t.Errorf("line %d: language %q (set %v), want %q", i+2, recs[i].Language, recs[i].SetLanguage, want)
		}
	}
	// A file of before the column leaves every observer's language as it is.
	recs, err = ParseObservers(strings.NewReader("code,name,phone,email,region_code,stations\nOBS-1,,,,,\n"))
	if err != nil || recs[0].SetLanguage || recs[0].Language != "" {
		t.Fatalf("a file without the language column: %+v, %v", recs, err)
	}

	_, err = ParseObservers(strings.NewReader("code;language\nOBS-1;kz\nOBS-2;русский\nOBS-3;ru\nOBS-4;Kazakh language\n"))
	var errs CSVErrors
	if !errors.As(err, &errs) {
		t.Fatalf("want CSVErrors, got %v", err)
	}
	want := []string{
		"line 2, column language: “kz” is not a language of answers: use en, ru or kk",
		"line 3, column language: “русский” is not a language of answers: use en, ru or kk",
		"line 5, column language: too long (at most 8 characters)",
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		if errs[i].Error() != w {
			t.Errorf("error %d = %q, want %q", i, errs[i].Error(), w)
		}
	}
}

// An exported roster imports again as it was: the language, the stations and (when
// asked for) the contact details, a phone number's formula guard taken off.
func TestObserverCSVRoundTrip(t *testing.T) {
	recs := []ObserverRecord{
		{Code: "OBS-0001", Contact: ObserverContact{Name: "Айгүл", Phone: "+7 701 555 12 34", Email: "a@example.org"},
			RegionCode: "almaty", Stations: []string{"071-023", "071-024"}, SetStations: true, Language: "kk", SetLanguage: true},
		{Code: "OBS-0002", Contact: ObserverContact{Name: "=HYPERLINK(1)"}, Stations: []string{}, SetStations: true, Language: "ru", SetLanguage: true},
	}
	for _, contacts := range []bool{false, true} {
		var b bytes.Buffer
		c, err := NewObserverCSV(&b, contacts)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if err := c.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(b.String(), UTF8BOM) {
			t.Error("no byte-order mark")
		}
		if contacts != strings.Contains(b.String(), "'+7 701") {
			t.Errorf("contacts %v, file:\n%s", contacts, b.String())
		}
		got, err := ParseObservers(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatalf("the export does not import: %v\n%s", err, b.String())
		}
		for i, r := range recs {
			g := got[i]
			g.Line = 0
			if !contacts {
				r.Contact = ObserverContact{}
			}
			if g.Code != r.Code || g.Contact != r.Contact || g.RegionCode != r.RegionCode || !slices.Equal(g.Stations, r.Stations) && len(r.Stations) > 0 ||
				g.Language != r.Language || !g.SetLanguage || !g.SetStations {
				t.Errorf("contacts %v, observer %d:\n got %+v\nwant %+v", contacts, i, g, r)
			}
		}
	}
}
