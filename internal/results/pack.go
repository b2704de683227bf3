package results

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/observerkz/observer/internal/report"
)

// ForPack is the comparison of the protocol copies with the latest official results
// for an evidence pack's scope (its region, and its station when it names one); nil
// when the election has no official results. A district scope keeps its region's rows.
func (s *Service) ForPack(ctx context.Context, electionID int64, sc report.PackScope) (*report.PackDiscrepancies, error) {
	v, ds, err := s.Discrepancies(ctx, electionID, "", sc.RegionCode)
	if errors.Is(err, ErrNoResults) || (err == nil && v.ID == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	pd := &report.PackDiscrepancies{Version: v.Label, Source: v.Source, Header: report.DiscrepancyColumns, Rows: [][]string{}}
	for _, d := range ds {
		if sc.StationCode != "" && !strings.EqualFold(d.Station, sc.StationCode) {
			continue
		}
		pd.Rows = append(pd.Rows, []string{d.Station, d.Figure, strconv.FormatInt(d.ObserverValue, 10),
			strconv.FormatInt(d.OfficialValue, 10), strconv.FormatInt(d.Difference, 10), strconv.FormatInt(d.ObservationID, 10)})
	}
	return pd, nil
}
