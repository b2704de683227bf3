package report

import (
	"encoding/csv"
	"fmt"
	"io"

	"github.com/observerkz/observer/internal/pdf"
)

// PackDiscrepancyFile is the pack's table of protocol copies against official
// results (results.md), for the stations in its scope.
const PackDiscrepancyFile = "discrepancies.csv"

// DiscrepancyColumns is the header of discrepancies.csv and of `observer
// discrepancies --format csv`: the JSON names of results.md.
var DiscrepancyColumns = []string{"station", "figure", "observer_value", "official_value", "difference", "observation_id"}

// maxPDFDiscrepancies bounds the rows the report lists; the CSV has them all.
const maxPDFDiscrepancies = 300

// PackDiscrepancies is the comparison for a pack, prepared by the caller
// (results.Service.ForPack): the results version compared with and its rows, in
// the order and columns of `observer discrepancies --format csv`.
type PackDiscrepancies struct {
	Version string
	Source  string
	Header  []string
	Rows    [][]string
}

// writeCSV writes the table for people, as the pack's other tables: the UTF-8
// byte-order mark first.
func (pd *PackDiscrepancies) writeCSV(w io.Writer) error {
	if _, err := io.WriteString(w, UTF8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(pd.Header); err != nil {
		return err
	}
	if err := cw.WriteAll(pd.Rows); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// discrepancySection is the report's page of discrepancies: the version compared
// with, then one line per figure (the first maxPDFDiscrepancies).
func discrepancySection(d *pdf.Doc, tr Translator, pd *PackDiscrepancies) {
	d.NewPage()
	d.Para(tr.T("results.pack_title"), true, 15)
	d.Space(2)
	d.SetFont(false, 9)
	d.Gray(true)
	d.Text(pdf.MarginX, pdf.ContentW, tr.T("results.pack_note", "Version", pd.Version, "Count", len(pd.Rows), "File", PackDiscrepancyFile))
	if pd.Source != "" {
		d.Text(pdf.MarginX, pdf.ContentW, pd.Source)
	}
	d.Gray(false)
	d.Space(6)
	if len(pd.Rows) == 0 {
		d.Para(tr.T("results.pack_none"), false, 10)
		return
	}
	widths := []float64{pdf.ContentW * 0.2, pdf.ContentW * 0.28, pdf.ContentW * 0.14, pdf.ContentW * 0.14, pdf.ContentW * 0.12, pdf.ContentW * 0.12}
	d.Cells(widths, []string{tr.T("results.station"), tr.T("results.figure"), tr.T("results.observer_value"),
		tr.T("results.official_value"), tr.T("results.difference"), tr.T("results.observation")}, true)
	for i, r := range pd.Rows {
		if i == maxPDFDiscrepancies {
			d.Space(4)
			d.Para(tr.T("results.pack_more", "Count", len(pd.Rows)-i, "File", PackDiscrepancyFile), false, 9)
			break
		}
		if len(r) < 6 {
			continue
		}
		diff := r[4]
		if len(diff) > 0 && diff[0] != '-' && diff != "0" {
			diff = "+" + diff
		}
		d.Cells(widths, []string{r[0], r[1], r[2], r[3], diff, fmt.Sprintf("#%s", r[5])}, false)
	}
}
