package report

import (
	"encoding/json"
	"fmt"
	"github.com/observerkz/observer/internal/pdf"
	"sort"
)

// The summary reads the statistics document by its JSON shape (statistics.md), the
// contract every consumer shares, so it shows exactly what statistics.json holds.

type statsDocView struct {
	SmallNThreshold int                      `json:"small_n_threshold"`
	Phases          map[string]statsPhaseDoc `json:"phases"`
}

type statsPhaseDoc struct {
	Observations  int `json:"observations"`
	Stations      int `json:"stations"`
	StationsTotal int `json:"stations_total"`
	Assessment    *struct {
		N        int  `json:"n"`
		Negative int  `json:"negative"`
		SmallN   bool `json:"small_n"`
	} `json:"assessment"`
	Questions map[string]struct {
		Yes    int  `json:"yes"`
		N      int  `json:"n"`
		SmallN bool `json:"small_n"`
	} `json:"questions"`
	Categories map[string]struct {
		Incidents        int  `json:"incidents"`
		Stations         int  `json:"stations"`
		ObservationsWith int  `json:"observations_with"`
		N                int  `json:"n"`
		SmallN           bool `json:"small_n"`
	} `json:"categories"`
	ProtocolChecks map[string]struct {
		Flagged int  `json:"flagged"`
		N       int  `json:"n"`
		SmallN  bool `json:"small_n"`
	} `json:"protocol_checks"`
}

// protocolCheckOrder is checklists.md's order of the derived checks.
var protocolCheckOrder = []string{"ballots_exceed_voters", "mobile_exceeds_requests", "turnout_over_100", "ballots_unaccounted", "votes_exceed_valid"}

// shareText shows a share the way statistics.md asks: "—" without a denominator,
// "k of n" when n is small, else a whole percentage.
func shareText(tr Translator, k, n int, smallN bool) string {
	switch {
	case n == 0:
		return "—"
	case smallN:
		return tr.T("pack.pdf.k_of_n", "K", k, "N", n)
	}
	return tr.T("pack.pdf.pct", "Pct", WholePercentOf(k, n))
}

// ordered lists codes in a fixed order first, then any others sorted.
func ordered[V any](m map[string]V, first []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range first {
		if _, ok := m[c]; ok {
			out = append(out, c)
			seen[c] = true
		}
	}
	var rest []string
	for c := range m {
		if !seen[c] {
			rest = append(rest, c)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func renderStats(d *pdf.Doc, tr Translator, raw []byte, opt PackOptions) error {
	var doc statsDocView
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("report: the statistics document is not in the shape of statistics.md: %w", err)
	}
	d.Para(tr.T("pack.pdf.stats"), true, 15)
	d.Space(2)
	d.SetFont(false, 9)
	d.Gray(true)
	d.Text(pdf.MarginX, pdf.ContentW, tr.T("pack.pdf.stats_note", "N", doc.SmallNThreshold))
	d.Gray(false)
	d.Space(6)
	// The election's schema, when given, puts added questions and categories in
	// the order of its forms rather than of their codes.
	qs, cats := Questions, Categories
	if opt.Schema != nil {
		qs = nil
		for _, p := range Phases {
			qs = append(qs, opt.Schema.Checklist(p).Questions...)
		}
		cats = opt.Schema.Categories
	}
	var qOrder, cOrder []string
	for _, q := range qs {
		qOrder = append(qOrder, q.Code)
	}
	for _, c := range cats {
		cOrder = append(cOrder, c.Code)
	}
	phases := make([]string, 0, len(Phases))
	for _, p := range Phases {
		phases = append(phases, string(p))
	}
	shown := 0
	for _, code := range ordered(doc.Phases, phases) {
		ph := doc.Phases[code]
		incidents := 0
		for _, c := range ph.Categories {
			incidents += c.Incidents
		}
		if ph.Observations == 0 && incidents == 0 {
			continue
		}
		shown++
		d.Ensure(80)
		d.Para(tr.T("phase."+code), true, 12)
		d.SetFont(false, 9.5)
		d.Text(pdf.MarginX, pdf.ContentW, tr.N("pack.pdf.coverage", ph.StationsTotal, "Observations", tr.N("count.observations", ph.Observations),
			"Stations", ph.Stations, "Total", ph.StationsTotal))
		if a := ph.Assessment; a != nil && a.N > 0 {
			d.Text(pdf.MarginX, pdf.ContentW, tr.T("pack.pdf.negative", "Share", shareText(tr, a.Negative, a.N, a.SmallN), "N", a.N))
		}
		d.Space(4)
		widths := []float64{pdf.ContentW - 170, 85, 85}
		if len(ph.Questions) > 0 {
			d.Cells(widths, []string{tr.T("pack.pdf.col.question"), tr.T("pack.pdf.col.yes"), tr.T("pack.pdf.col.n")}, true)
			for _, q := range ordered(ph.Questions, qOrder) {
				v := ph.Questions[q]
				if v.N == 0 {
					continue
				}
				d.Cells(widths, []string{opt.Custom.QuestionText(tr, q), shareText(tr, v.Yes, v.N, v.SmallN), fmt.Sprint(v.N)}, false)
			}
			d.Space(4)
		}
		if incidents > 0 {
			cw := []float64{pdf.ContentW - 255, 85, 85, 85}
			d.Cells(cw, []string{tr.T("pack.pdf.col.category"), tr.T("pack.pdf.col.incidents"), tr.T("pack.pdf.col.stations"), tr.T("pack.pdf.col.share_obs")}, true)
			for _, c := range ordered(ph.Categories, cOrder) {
				v := ph.Categories[c]
				if v.Incidents == 0 {
					continue
				}
				d.Cells(cw, []string{opt.exportOptions().categoryName(c), fmt.Sprint(v.Incidents), fmt.Sprint(v.Stations),
					shareText(tr, v.ObservationsWith, v.N, v.SmallN)}, false)
			}
			d.Space(4)
		}
		if len(ph.ProtocolChecks) > 0 {
			d.Cells(widths, []string{tr.T("pack.pdf.col.check"), tr.T("pack.pdf.col.flagged"), tr.T("pack.pdf.col.n")}, true)
			for _, c := range ordered(ph.ProtocolChecks, protocolCheckOrder) {
				v := ph.ProtocolChecks[c]
				d.Cells(widths, []string{tr.T("check." + c), shareText(tr, v.Flagged, v.N, v.SmallN), fmt.Sprint(v.N)}, false)
			}
			d.Space(4)
		}
		d.Space(6)
	}
	if shown == 0 {
		d.Para(tr.T("pack.pdf.no_stats"), false, 10)
	}
	return nil
}
