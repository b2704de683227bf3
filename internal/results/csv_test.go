package results

import (
	"strings"
	"testing"
)

func TestParseCSV(t *testing.T) {
	in := "\ufeffStation;registered_voters;ballots_issued;ballots_valid;ballots_invalid;ballots_mobile;votes:C1;votes:against_all\n" +
		"071-023;1 200;800;790;10;;500;290\n\n" +
		"071-024;900;450;440;10;20;300;140\n"
	tab, errs := ParseCSV(strings.NewReader(in), false)
	if errs != nil {
		t.Fatal(errs)
	}
	if len(tab.Rows) != 2 || tab.Candidates[0] != "C1" || tab.Candidates[1] != "against_all" {
		t.Fatalf("%+v", tab)
	}
	r := tab.Rows[1]
	if r.Line != 4 || r.Registered != 900 || r.Issued != 450 || r.Mobile == nil || *r.Mobile != 20 || r.Votes[1] != 140 || tab.Rows[0].Mobile != nil || tab.Rows[0].Registered != 1200 {
		t.Errorf("%+v", r)
	}
}

func TestParseCSVErrors(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
		add            bool
	}{
		{"unknown column", "station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,turnout,votes:c1\n", "line 1, column turnout: unknown column", false},
		{"missing column", "station,registered_voters,ballots_issued,ballots_valid,votes:c1\n1,2,3,4,5\n", "line 1, column ballots_invalid: this required column is missing", false},
		{"no candidates", "station,registered_voters,ballots_issued,ballots_valid,ballots_invalid\n", "line 1: no votes:<candidate> column", false},
		{"negative", "station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1\nA1,100,50,-1,0,3\n", "line 2, column ballots_valid: “-1” is not a whole number", false},
		{"fraction", "station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1\nA1,100,50,1,0,3.5\n", "line 2, column votes:c1: “3.5” is not a whole number", false},
		{"empty votes", "station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1\nA1,100,50,1,0,\n", "line 2, column votes:c1: a value is required", false},
		{"duplicate", "station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1\nA1,100,50,1,0,1\na1,100,50,1,0,1\n", "line 3, column station: station a1 appears again (first on line 2)", false},
		{"region without add", "station,region,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1\n", "line 1, column region: region and district are only read", false},
		{"bad code", "station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1\n<x>,100,50,1,0,1\n", "line 2, column station: “<x>” is not a valid station code", false},
		{"fields", "station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1\nA1,100\n", "line 2: 2 fields where the header has 6", false},
		{"empty", "  \n", "line 1: the file is empty", false},
		{"no rows", "station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1\n", "line 2: the file has a header but no stations", false},
		{"cp1251", "station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1\n\xcf\xd3,1,1,1,1,1\n", "line 2: the file is not UTF-8", false},
	} {
		_, errs := ParseCSV(strings.NewReader(c.in), c.add)
		if errs == nil || !strings.Contains(errs.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, errs, c.want)
		}
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add("station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1\nA1,100,50,49,1,30\n", false)
	f.Add("station;region;district;registered_voters;ballots_issued;ballots_valid;ballots_invalid;ballots_stationary;votes:c1;votes:c2\nB-2;North;D1;300;200;190;10;;100;90\n", true)
	f.Add("\"station\",\"registered_voters\nx", false)
	f.Fuzz(func(t *testing.T, in string, add bool) {
		tab, errs := ParseCSV(strings.NewReader(in), add)
		if (tab == nil) == (errs == nil) {
			t.Fatalf("table %v and errors %v", tab, errs)
		}
		if tab == nil {
			for _, e := range errs {
				if e.Error() == "" {
					t.Fatal("an empty error")
				}
			}
			return
		}
		for _, r := range tab.Rows {
			if len(r.Votes) != len(tab.Candidates) || r.Station == "" || r.Registered < 0 || r.Registered > MaxFigure {
				t.Fatalf("bad row %+v", r)
			}
		}
	})
}
