package intake

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

var (
	testZone     = time.FixedZone("+05", 5*3600)
	testStations = []report.Station{
		{ID: 1, ElectionID: 1, Code: "071-023"}, {ID: 2, ElectionID: 1, Code: "071-024"},
		{ID: 3, ElectionID: 1, Code: "002-105"}, {ID: 4, ElectionID: 1, Code: "ALM-015"},
		{ID: 5, ElectionID: 1, Code: "101-001"},
	}
)

// testContext builds the context named in the corpus: "one@10:00", "many@+1d01:30".
func testContext(t testing.TB, spec string) Context {
	who, when, _ := strings.Cut(spec, "@")
	day := 0
	if strings.HasPrefix(when, "+1d") || strings.HasPrefix(when, "-1d") {
		day = 1
		if when[0] == '-' {
			day = -1
		}
		when = when[3:]
	}
	hm, err := time.Parse("15:04", when)
	if err != nil {
		t.Fatalf("context %q: %v", spec, err)
	}
	received := time.Date(2026, 3, 15+day, hm.Hour(), hm.Minute(), 0, 0, testZone)
	byKey := map[string]report.Station{}
	for _, st := range testStations {
		byKey[StationKey(st.Code)] = st
	}
	ctx := Context{
		ElectionDate: "2026-03-15", ElectionZone: testZone, Received: received,
		ClientID: "sms:test:1",
		Station: func(key string) (report.Station, bool) {
			st, ok := byKey[key]
			return st, ok
		},
	}
	switch who {
	case "one":
		ctx.Assigned = testStations[:1]
	case "many":
		ctx.Assigned = testStations[:2]
	case "none":
	default:
		t.Fatalf("context %q: unknown sender kind", spec)
	}
	return ctx
}

// describe writes a parse result in the corpus's notation.
func describe(m Message, ref *Refusal) string {
	if ref != nil {
		if ref.Reason == Unparsed {
			return "unparsed"
		}
		return strings.TrimSpace("refuse " + ref.Reason + " " + ref.Token)
	}
	var b []string
	incs := func(list []report.Incident, bang string) {
		for _, in := range list {
			s := bang + in.Category
			if !in.Witnessed {
				s += "?"
			}
			b = append(b, s)
		}
	}
	switch m.Kind {
	case KindCheckIn:
		return "checkin " + m.Station.Code
	case KindCheckOut:
		return "checkout " + m.Station.Code
	case KindIncidents:
		b = append(b, "inc", m.Station.Code, string(m.Incidents[0].Phase))
		incs(m.Incidents, "")
		if d := m.Incidents[0].Description; d != "" {
			b = append(b, "::", d)
		}
	case KindObservation:
		o := m.Observation
		b = append(b, "obs", m.Station.Code, string(o.Phase))
		for _, code := range QuestionNumbers(report.StandardStatsSchema(), o.Phase) {
			if a, ok := o.Answers[code]; ok {
				b = append(b, code+"="+string(a))
			}
		}
		if o.Assessment != "" {
			b = append(b, "*"+string(o.Assessment))
		}
		if o.Protocol != nil {
			for _, f := range report.ProtocolFigures {
				if v := o.Protocol.Figure(f); v != nil {
					b = append(b, fmt.Sprintf("%s=%d", f, *v))
				}
			}
			var codes []string
			for c := range o.Protocol.Votes {
				codes = append(codes, c)
			}
			sort.Strings(codes)
			for _, c := range codes {
				b = append(b, fmt.Sprintf("v.%s=%d", c, o.Protocol.Votes[c]))
			}
		}
		incs(o.Incidents, "!")
		text := o.Notes
		if len(o.Incidents) > 0 {
			text = o.Incidents[0].Description
		}
		if text != "" {
			b = append(b, "::", text)
		}
	}
	return strings.Join(b, " ")
}

func TestCorpus(t *testing.T) {
	f, err := os.Open("testdata/corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, line := 0, 0
	for sc.Scan() {
		line++
		l := sc.Text()
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		parts := strings.SplitN(l, "|", 3)
		if len(parts) != 3 {
			t.Fatalf("line %d: want context | message | expected", line)
		}
		n++
		ctx := testContext(t, strings.TrimSpace(parts[0]))
		msg, want := strings.TrimSpace(parts[1]), strings.TrimSpace(parts[2])
		got := describe(Parse(msg, ctx))
		if got != want {
			t.Errorf("line %d: %q\n got: %s\nwant: %s", line, msg, got, want)
		}
	}
	if n < 100 {
		t.Errorf("the corpus has %d messages, want at least 100", n)
	}
}

func TestRecordsCarryContext(t *testing.T) {
	ctx := testContext(t, "one@10:00")
	m, ref := Parse("071-023 !1 !4 выгнали", ctx)
	if ref != nil {
		t.Fatal(ref)
	}
	ids := []string{m.Incidents[0].ClientID, m.Incidents[1].ClientID}
	if !slices.Equal(ids, []string{"sms:test:1/1", "sms:test:1/2"}) {
		t.Errorf("client ids %v", ids)
	}
	if !m.Incidents[0].OccurredAt.Equal(ctx.Received) || m.Incidents[0].StationID != 1 {
		t.Errorf("incident %+v", m.Incidents[0])
	}
	m, ref = Parse("071-023 #3 1+", ctx)
	if ref != nil || m.Observation.ClientID != "sms:test:1" || m.Observation.State != report.StateSubmitted {
		t.Errorf("observation %+v %v", m.Observation, ref)
	}
}
