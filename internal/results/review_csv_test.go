package results

import (
	"strings"
	"testing"
)

// An odd but valid file: BOM, CRLF, semicolons, quoted fields (one with the
// separator inside a header name's neighbour), Cyrillic candidate codes, thousands
// written with no-break and thin spaces, several trailing separators, blank lines.
func TestReviewParseCSVOddButValid(t *testing.T) {
	in := "\ufeff\"Station\";\"REGISTERED_VOTERS\";ballots_issued;ballots_valid;ballots_invalid;\"votes:Токаев\";votes:against_all;;;\r\n" +
		"\"071-023\";\"1\u00a0200\";\"800\";790;10;500;290;;;\r\n" +
		";;;;;;;;;\r\n" +
		"071-024;2\u202f000;0;0;0;0;0;;;\r\n" +
		"071-025;50;40;40;0;35;5;;;;\r\n"
	tab, errs := ParseCSV(strings.NewReader(in), false)
	if errs != nil {
		t.Fatal(errs)
	}
	if len(tab.Candidates) != 2 || tab.Candidates[0] != "Токаев" || tab.Candidates[1] != "against_all" {
		t.Fatalf("candidates %q", tab.Candidates)
	}
	want := []struct {
		line       int
		code       string
		reg, votes int64
	}{{2, "071-023", 1200, 500}, {4, "071-024", 2000, 0}, {5, "071-025", 50, 35}}
	if len(tab.Rows) != len(want) {
		t.Fatalf("%d rows", len(tab.Rows))
	}
	for i, w := range want {
		r := tab.Rows[i]
		if r.Line != w.line || r.Station != w.code || r.Registered != w.reg || r.Votes[0] != w.votes {
			t.Errorf("row %d: %+v, want %+v", i, r, w)
		}
	}
}

// Every error of the file is reported, in file order, each with its line and column;
// a third copy of a station points back at the first.
func TestReviewParseCSVEveryError(t *testing.T) {
	in := "station,registered_voters,ballots_issued,ballots_valid,ballots_invalid,votes:c1,,\n" +
		"A1,100,50,49,1,30,,\n" +
		"A2,x,50,49,1,30,,\n" +
		"A1,100,50,49,-1,30,,\n" +
		"a1,100,50,49,1,30,,\n" +
		"A3,100,50,49,1,30,,7\n"
	_, errs := ParseCSV(strings.NewReader(in), false)
	got := []string{}
	for _, e := range errs {
		got = append(got, e.Error())
	}
	want := []string{
		"line 3, column registered_voters: “x” is not a whole number",
		"line 4, column ballots_invalid: “-1” is not a whole number",
		"line 4, column station: station A1 appears again (first on line 2)",
		"line 5, column station: station a1 appears again (first on line 2)",
		"line 6, column 8: the column has no name",
	}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error %d: %q, want %q…", i, got[i], want[i])
		}
	}
}

func TestReviewParseCSVOptionalColumns(t *testing.T) {
	in := "ballots_stationary,votes:c1,station,ballots_invalid,ballots_valid,ballots_issued,registered_voters,votes:c2\n" +
		"10,5,S-1,1,20,21,100,15\n" +
		",5,S-2,1,20,21,100,15\n"
	tab, errs := ParseCSV(strings.NewReader(in), false)
	if errs != nil {
		t.Fatal(errs)
	}
	a, b := tab.Rows[0], tab.Rows[1]
	if a.Stationary == nil || *a.Stationary != 10 || b.Stationary != nil || a.Mobile != nil || a.BallotsReceived != nil {
		t.Errorf("optional figures %+v %+v", a, b)
	}
	if a.Registered != 100 || a.Issued != 21 || a.Valid != 20 || a.Invalid != 1 || a.Votes[0] != 5 || a.Votes[1] != 15 {
		t.Errorf("row %+v", a)
	}
}
