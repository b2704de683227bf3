package web

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// The figures of one scope, read from the statistics document, in the order the
// dashboard shows them. The screen, the CSV and the XLSX are all made from this one
// list, so they cannot disagree; every number in it is the engine's.

// Figure kinds, as the downloads name them.
const (
	kindCoverage   = "coverage"
	kindAssessment = "assessment"
	kindQuestion   = "question"
	kindCategory   = "category"
	kindCheck      = "check"
)

// statFigure is one figure: k of n with the engine's share, interval and small-n flag.
type statFigure struct {
	Phase report.Phase
	Kind  string
	Code  string
	// Answer is, for a question, the answer K counts: its problem answer, because
	// that is what a report says ("not followed in 12%").
	Answer report.Answer
	Parent string
	K, N   int
	Pct    *report.Percent // one decimal, as in the JSON
	CI     *report.Interval
	SmallN bool
	// Incidents and Stations are a category's counts; Observations is the phase's
	// forms (coverage) or the category's denominator.
	Incidents, Stations, Observations int
}

// wholePct is the share as the screen shows it (ok false: no denominator).
func (f statFigure) wholePct() (int, bool) { return report.WholePercent(f.K, f.N) }

// phaseFigures is everything the dashboard shows for one phase.
type phaseFigures struct {
	Phase      report.Phase
	Stats      *report.PhaseStats
	Coverage   statFigure
	Negative   statFigure
	Questions  []statFigure // most often a problem first
	Categories []statFigure // most incidents first
	Checks     []checkFigure
	Incidents  int
}

// checkFigure is a protocol check beside the observers' own answer to the same question.
type checkFigure struct {
	Check    statFigure
	Question *statFigure
}

// checkQuestion pairs derived checks with the question observers answer about the same thing.
var checkQuestion = map[string]string{
	report.CheckBallotsExceedVoters: "count_ballots_exceed_voters",
	report.CheckMobileExceedsReqs:   "count_mobile_exceeds_requests",
}

// figuresOf reads the figures of every phase of a document row.
func figuresOf(set *report.PhaseStatsSet, schema report.StatsSchema, threshold int) []phaseFigures {
	out := make([]phaseFigures, 0, len(report.Phases))
	for _, p := range report.Phases {
		if ps := set.Get(p); ps != nil {
			out = append(out, phaseFiguresOf(p, ps, schema, threshold))
		}
	}
	return out
}

func phaseFiguresOf(p report.Phase, ps *report.PhaseStats, schema report.StatsSchema, threshold int) phaseFigures {
	pf := phaseFigures{Phase: p, Stats: ps}
	pf.Coverage = statFigure{Phase: p, Kind: kindCoverage, Code: "stations", K: ps.Stations, N: ps.StationsTotal,
		Pct: ps.PctStations, Observations: ps.Observations}
	a := ps.Assessment
	pf.Negative = statFigure{Phase: p, Kind: kindAssessment, Code: "negative", K: a.Negative, N: a.N, Pct: a.PctNegative,
		CI: a.CI95, SmallN: a.SmallN, Observations: ps.Observations}

	cl := schema.Checklist(p)
	order := map[string]int{}
	for i, q := range cl.Questions {
		order[q.Code] = i
		qs, ok := ps.Questions[q.Code]
		if !ok {
			continue
		}
		pf.Questions = append(pf.Questions, questionFigure(p, q, qs, threshold))
	}
	sort.SliceStable(pf.Questions, func(i, j int) bool {
		a, b := pf.Questions[i], pf.Questions[j]
		if (a.N == 0) != (b.N == 0) {
			return b.N == 0
		}
		if x, y := a.K*b.N, b.K*a.N; x != y {
			return x > y
		}
		return order[a.Code] < order[b.Code]
	})

	catOrder := map[string]int{}
	catPhase := map[string]report.Phase{}
	for i, c := range schema.Categories {
		catOrder[c.Code], catPhase[c.Code] = i, c.Phase
	}
	for code, cs := range ps.Categories {
		pf.Incidents += cs.Incidents
		cp, known := catPhase[code]
		// Each phase lists its own categories and those of any phase; a category of
		// another phase appears only where incidents were filed under it.
		if known && cp != p && cp != report.PhaseAny && cs.Incidents == 0 && cs.ObservationsWith == 0 {
			continue
		}
		pf.Categories = append(pf.Categories, statFigure{Phase: p, Kind: kindCategory, Code: code, K: cs.ObservationsWith, N: cs.N,
			Pct: cs.Pct, CI: cs.CI95, SmallN: cs.SmallN, Incidents: cs.Incidents, Stations: cs.Stations, Observations: cs.N})
	}
	sort.Slice(pf.Categories, func(i, j int) bool {
		a, b := pf.Categories[i], pf.Categories[j]
		if a.Incidents != b.Incidents {
			return a.Incidents > b.Incidents
		}
		oa, ka := catOrder[a.Code]
		ob, kb := catOrder[b.Code]
		if ka != kb {
			return ka
		}
		if oa != ob {
			return oa < ob
		}
		return a.Code < b.Code
	})

	if len(ps.ProtocolChecks) > 0 {
		byCode := map[string]*statFigure{}
		for i := range pf.Questions {
			byCode[pf.Questions[i].Code] = &pf.Questions[i]
		}
		for _, code := range report.ProtocolCheckCodes {
			c, ok := ps.ProtocolChecks[code]
			if !ok {
				continue
			}
			cf := checkFigure{Check: statFigure{Phase: p, Kind: kindCheck, Code: code, K: c.Flagged, N: c.N, Pct: c.Pct, CI: c.CI95, SmallN: c.SmallN}}
			if q := checkQuestion[code]; q != "" {
				if f := byCode[q]; f != nil {
					cp := *f
					cf.Question = &cp
				}
			}
			pf.Checks = append(pf.Checks, cf)
		}
	}
	return pf
}

// questionFigure counts the question's problem answer. For "yes" that is the
// document's pct_yes as it stands; for "no" it is the same engine arithmetic on
// the "no" count (the complement of pct_yes, to the engine's rounding).
func questionFigure(p report.Phase, q report.Question, qs report.QuestionStats, threshold int) statFigure {
	f := statFigure{Phase: p, Kind: kindQuestion, Code: q.Code, Parent: qs.Parent, Answer: report.AnswerYes, K: qs.Yes, N: qs.N,
		Pct: qs.PctYes, CI: qs.CI95, SmallN: qs.SmallN, Observations: qs.N}
	if q.Problem != report.AnswerNo {
		return f
	}
	f.Answer, f.K, f.Pct, f.CI = report.AnswerNo, qs.No, nil, nil
	if qs.N > 0 {
		pct := report.PctTenths(qs.No, qs.N)
		lo, hi := report.Wilson(qs.No, qs.N)
		f.Pct = &pct
		f.CI = &report.Interval{tenth(lo), tenth(hi)}
	}
	f.SmallN = report.ShowAsCount(qs.N, threshold)
	return f
}

// tenth rounds an interval end to one decimal, half away from zero, as the document does.
func tenth(x float64) report.Percent {
	return report.Percent(float64(int64(x*10+0.5)) / 10)
}

// label is the figure's name in the request's language: a custom question or
// category has the text an administrator gave it (else English, else its code).
func (f statFigure) label(ctx context.Context) string {
	switch f.Kind {
	case kindCoverage:
		return t(ctx, "dashboard.fig.coverage")
	case kindAssessment:
		return t(ctx, "dashboard.fig.negative")
	case kindQuestion:
		return questionText(ctx, f.Code)
	case kindCategory:
		return categoryName(ctx, f.Code)
	}
	if key := "check." + f.Code; i18n.Has(key) {
		return t(ctx, key)
	}
	return f.Code
}

// shareText shows a share the way statistics.md asks of a screen: "—" without a
// denominator, "k of n" below the small-n threshold, else whole per cent half up.
func shareText(ctx context.Context, k, n int, smallN bool) string {
	pct, ok := report.WholePercent(k, n)
	switch {
	case !ok:
		return "—"
	case smallN:
		return t(ctx, "stats.k_of_n", "K", num(ctx, k), "N", num(ctx, n))
	}
	return strconv.Itoa(pct) + "%"
}

func (f statFigure) shareText(ctx context.Context) string { return shareText(ctx, f.K, f.N, f.SmallN) }

// coverageText is coverage in whole per cent (never "k of n": it is a census of
// stations, not a sample share).
func (f statFigure) coverageText() string {
	pct, ok := f.wholePct()
	if !ok {
		return "—"
	}
	return strconv.Itoa(pct) + "%"
}

// num writes a count with the language's digit grouping (10,120 / 10 120).
func num(ctx context.Context, n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if len(s) > 4 || (len(s) == 4 && i18n.From(ctx).Lang() == "en") {
		sep := "\u00a0"
		if i18n.From(ctx).Lang() == "en" {
			sep = ","
		}
		var b strings.Builder
		for i, r := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteString(sep)
			}
			b.WriteRune(r)
		}
		s = b.String()
	}
	if neg {
		return "-" + s
	}
	return s
}

// splitCategories separates the categories with something to show from those
// with nothing in scope, which the page folds away.
func splitCategories(figs []statFigure) (seen, quiet []statFigure) {
	for _, f := range figs {
		if f.Incidents > 0 || f.K > 0 {
			seen = append(seen, f)
		} else {
			quiet = append(quiet, f)
		}
	}
	return seen, quiet
}
