package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"github.com/observerkz/observer/internal/report"
)

// The dashboard's downloads: its figures as a table, one row per phase and figure,
// the very list the screen is drawn from. The first ten columns are the ones
// reports rely on; the rest add what a category or question row also holds.
var exportHeader = []string{"phase", "kind", "code", "label", "k", "n", "pct", "ci_low", "ci_high", "small_n",
	"answer", "incidents", "stations", "observations"}

// exportRows is the table of a view, in the request's language.
func exportRows(ctx context.Context, v *dashboardView) [][]any {
	var rows [][]any
	for _, pf := range v.Phases {
		figs := []statFigure{pf.Coverage, pf.Negative}
		figs = append(figs, pf.Questions...)
		figs = append(figs, pf.Categories...)
		for _, c := range pf.Checks {
			figs = append(figs, c.Check)
		}
		for _, f := range figs {
			rows = append(rows, exportRow(ctx, f))
		}
	}
	return rows
}

func exportRow(ctx context.Context, f statFigure) []any {
	row := []any{string(f.Phase), f.Kind, f.Code, f.label(ctx), f.K, f.N, nil, nil, nil, f.SmallN, string(f.Answer), nil, nil, nil}
	if f.Pct != nil {
		row[6] = float64(*f.Pct)
	}
	if f.CI != nil {
		row[7], row[8] = float64(f.CI[0]), float64(f.CI[1])
	}
	switch f.Kind {
	case kindCoverage:
		row[9] = nil // a census of stations, not a sample: no interval, no small n
		row[13] = f.Observations
	case kindCategory:
		row[11], row[12], row[13] = f.Incidents, f.Stations, f.Observations
	}
	return row
}

// exportView reads the request's scope for a download.
func (svc *statsService) exportView(c echo.Context) (*dashboardView, error) {
	el, err := svc.s.currentElection(c)
	if err != nil {
		return nil, err
	}
	v, err := svc.dashboardData(c, el)
	if err != nil {
		return nil, scopeHTTPError(err)
	}
	return v, nil
}

// exportName is the download's file name: election, scope and time.
func (v *dashboardView) exportName(ext string) string {
	parts := []string{"stats", v.Election.Code}
	if v.Scope.Region != "" {
		parts = append(parts, v.Scope.Region)
	}
	if v.Scope.District != "" {
		parts = append(parts, v.Scope.District)
	}
	if v.Scope.Status == report.FilterVerified {
		parts = append(parts, "verified")
	}
	parts = append(parts, v.Generated.UTC().Format("20060102T150405Z"))
	name := strings.Join(parts, "-")
	// Codes come from imported files: keep the header to safe characters.
	name = strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '-' || r == '_' || r == '.' || ('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')) {
			return r
		}
		return '_'
	}, name)
	return name + "." + ext
}

func (svc *statsService) exportCSV(c echo.Context) error {
	v, err := svc.exportView(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("\uFEFF") // so that spreadsheet programs read UTF-8 Cyrillic as such
	w := csv.NewWriter(&buf)
	w.Write(exportHeader)
	for _, row := range exportRows(c.Request().Context(), v) {
		rec := make([]string, len(row))
		for i, cell := range row {
			rec[i] = csvCell(cell)
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("unable to write the statistics CSV: %w", err)
	}
	return sendDownload(c, v.exportName("csv"), "text/csv; charset=utf-8", buf.Bytes())
}

// csvCell writes one value; text that a spreadsheet would run as a formula is
// quoted with a leading apostrophe (names and codes come from imported files).
func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', 1, 64)
	case bool:
		return strconv.FormatBool(x)
	case string:
		if x != "" && strings.ContainsRune("=+-@\t\r", rune(x[0])) {
			return "'" + x
		}
		return x
	}
	return fmt.Sprint(v)
}

func (svc *statsService) exportXLSX(c echo.Context) error {
	v, err := svc.exportView(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "statistics"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("unable to name the statistics sheet: %w", err)
	}
	if err := writeSheet(f, sheet, exportHeader, exportRows(ctx, v)); err != nil {
		return err
	}
	if len(v.Rows) > 1 {
		name := "by_" + v.Rows[1].Level
		if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("unable to add the breakdown sheet: %w", err)
		}
		header, rows := breakdownExport(ctx, v)
		if err := writeSheet(f, name, header, rows); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return fmt.Errorf("unable to write the statistics workbook: %w", err)
	}
	return sendDownload(c, v.exportName("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}

func writeSheet(f *excelize.File, sheet string, header []string, rows [][]any) error {
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = h
	}
	if err := f.SetSheetRow(sheet, "A1", &cells); err != nil {
		return fmt.Errorf("unable to write the header of %s: %w", sheet, err)
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return fmt.Errorf("unable to write row %d of %s: %w", i+2, sheet, err)
		}
	}
	return nil
}

// breakdownExport is the table by region (district, station) as the screen shows
// it: counts per phase and incidents, the scope's total first.
func breakdownExport(ctx context.Context, v *dashboardView) ([]string, [][]any) {
	header := []string{"level", "code", "name"}
	for _, p := range report.Phases {
		header = append(header, string(p)+"_observations", string(p)+"_stations", string(p)+"_stations_total",
			string(p)+"_negative", string(p)+"_assessed")
	}
	header = append(header, "incidents", "incidents_today")
	header = append(header, report.HeadlineCategories...)
	var rows [][]any
	for i := range v.Rows {
		r := &v.Rows[i]
		row := []any{r.Level, r.Code, v.rowLabel(ctx, r)}
		for _, pf := range r.Phases {
			row = append(row, pf.Coverage.Observations, pf.Coverage.K, pf.Coverage.N, pf.Negative.K, pf.Negative.N)
		}
		row = append(row, r.Incidents, r.Today)
		for _, n := range r.Headline {
			row = append(row, n)
		}
		rows = append(rows, row)
	}
	return header, rows
}

func sendDownload(c echo.Context, name, ctype string, body []byte) error {
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, ctype, body)
}
