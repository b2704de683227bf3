package results

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/observerkz/observer/internal/report"
)

// WriteDiscrepanciesCSV writes the rows under report.DiscrepancyColumns. Station codes
// begin with a letter or digit (report.ValidStationCode): no cell reads as a formula.
func WriteDiscrepanciesCSV(w io.Writer, ds []Discrepancy) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(report.DiscrepancyColumns); err != nil {
		return err
	}
	for _, d := range ds {
		if err := cw.Write([]string{d.Station, d.Figure, itoa(d.ObserverValue), itoa(d.OfficialValue),
			itoa(d.Difference), itoa(d.ObservationID)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
