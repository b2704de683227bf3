package web

import (
	"context"
	"strconv"

	"github.com/observerkz/observer/internal/report"
)

// coverageSentence is "Voting observed in 870 of 10,120 stations, 1,000 observations".
func coverageSentence(ctx context.Context, pf phaseFigures) string {
	c := pf.Coverage
	return tn(ctx, "dashboard.coverage."+string(pf.Phase), c.N, "Stations", num(ctx, c.K), "Total", num(ctx, c.N)) +
		", " + tn(ctx, "dashboard.observations", c.Observations, "N", num(ctx, c.Observations))
}

// ciText describes a figure for its chart's title: the share and its interval.
func (f statFigure) ciText(ctx context.Context) string {
	s := f.label(ctx) + ": " + f.shareText(ctx)
	if f.Kind == kindQuestion {
		s = f.label(ctx) + " — " + t(ctx, "answer."+string(f.Answer)) + ": " + f.shareText(ctx)
	}
	if f.CI != nil && !f.SmallN {
		s += " (" + t(ctx, "stats.ci95", "Low", pctText(f.CI[0]), "High", pctText(f.CI[1])) + ")"
	}
	return s
}

// pctText writes a one-decimal percentage from the document.
func pctText(p report.Percent) string { return strconv.FormatFloat(float64(p), 'f', 1, 64) }

func (v *dashboardView) regionName(code string) string {
	for _, r := range v.Places.regions {
		if r.Code == code {
			return r.Name
		}
	}
	return code
}

func (v *dashboardView) districtName(region, code string) string {
	for _, d := range v.Places.districtsOf[region] {
		if d.Code == code {
			return d.Name
		}
	}
	return code
}

// scopeText says what the figures cover.
func (v *dashboardView) scopeText(ctx context.Context) string {
	switch {
	case v.Scope.District != "":
		return t(ctx, "dashboard.scope.district", "Name", v.districtName(v.Scope.Region, v.Scope.District), "Region", v.regionName(v.Scope.Region))
	case v.Scope.Region != "":
		return t(ctx, "dashboard.scope.region", "Name", v.regionName(v.Scope.Region))
	}
	return t(ctx, "dashboard.scope.country")
}

func (v *dashboardView) statusText(ctx context.Context) string {
	s := t(ctx, "dashboard.counted.all")
	if v.Scope.Status == report.FilterVerified {
		s = t(ctx, "dashboard.counted.verified")
	}
	if w := v.Scope.Window; w != nil {
		from, to := "…", "…"
		if w.From != nil {
			from = w.From.In(v.Places.loc).Format("2006-01-02 15:04")
		}
		if w.To != nil {
			to = w.To.In(v.Places.loc).Format("2006-01-02 15:04")
		}
		s += " · " + from + " – " + to
	}
	return s
}

// windowValue is a window end for a datetime-local input, in the election's zone.
func (v *dashboardView) windowValue(from bool) string {
	w := v.Scope.Window
	if w == nil {
		return ""
	}
	end := w.To
	if from {
		end = w.From
	}
	if end == nil {
		return ""
	}
	return end.In(v.Places.loc).Format("2006-01-02T15:04")
}

// breakdownTitle names the table by the level of its rows.
func (v *dashboardView) breakdownTitle(ctx context.Context) string {
	if len(v.Rows) > 1 {
		return t(ctx, "dashboard.by."+v.Rows[1].Level)
	}
	return ""
}

// rowLabel names a breakdown row: the total, a unit, or stations without a district.
func (v *dashboardView) rowLabel(ctx context.Context, r *breakdownRow) string {
	switch {
	case r == &v.Rows[0]:
		return t(ctx, "stats.total")
	case r.Level == report.LevelDistrict && r.Code == "":
		return t(ctx, "stats.no_district")
	case r.Level == report.LevelStation:
		if r.Name != "" && r.Name != r.Code {
			return r.Code + " " + r.Name
		}
		return r.Code
	case r.Name != "":
		return r.Name
	}
	return r.Code
}

type figureCount struct {
	code string
	n    int
}

// notRecorded lists the protocol figures some forms left out, in form order.
func notRecorded(pf phaseFigures) []figureCount {
	var out []figureCount
	for _, f := range report.RecordedFigures {
		if n := pf.Stats.NotRecorded[f]; n > 0 {
			out = append(out, figureCount{f, n})
		}
	}
	return out
}
