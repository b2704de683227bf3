package report

import (
	"io"
	"sort"
	"strconv"
	"strings"
)

// ObservationColumns are observations.csv's columns: the form's fields, then one
// column per standard question (all phases, in form order; blank when the form did
// not answer it), one per protocol figure (blank when not recorded), the votes as
// code=count pairs separated by ';', notes and times.
func ObservationColumns(includeContacts bool) []string {
	return observationColumns(includeContacts, nil)
}

// observationColumns puts the election's custom questions after the standard ones.
func observationColumns(includeContacts bool, custom []Question) []string {
	cols := []string{"id", "election", "station", "station_name", "region", "district", "phase",
		"observer", "arrived_at", "left_at", "assessment"}
	for _, q := range Questions {
		cols = append(cols, q.Code)
	}
	for _, q := range custom {
		cols = append(cols, q.Code)
	}
	cols = append(cols, ProtocolFigures...)
	cols = append(cols, "votes", "notes", "created_at", "updated_at")
	if includeContacts {
		cols = append(cols, ContactColumns...)
	}
	return cols
}

// ObservationRecord is one observation with what an export shows of it.
type ObservationRecord struct {
	Observation Observation
	Contact     *ObserverContact
}

// ObservationCSVWriter writes observations as CSV, one row at a time.
type ObservationCSVWriter struct {
	csvOut
	opt    ExportOptions
	custom []Question
}

// NewObservationCSV writes the byte-order mark and the header row.
func NewObservationCSV(w io.Writer, opt ExportOptions) (*ObservationCSVWriter, error) {
	return NewObservationCSVWith(w, opt, nil)
}

// NewObservationCSVWith is NewObservationCSV with a column for each of the
// election's custom questions too, after the standard ones.
func NewObservationCSVWith(w io.Writer, opt ExportOptions, custom []Question) (*ObservationCSVWriter, error) {
	t, err := newCSVOut(w, observationColumns(opt.IncludeContacts, custom), opt.IncludeContacts)
	if err != nil {
		return nil, err
	}
	return &ObservationCSVWriter{csvOut: t, opt: opt, custom: custom}, nil
}

func formatVotes(v map[string]int64) string {
	if len(v) == 0 {
		return ""
	}
	codes := make([]string, 0, len(v))
	for c := range v {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = c + "=" + strconv.FormatInt(v[c], 10)
	}
	return strings.Join(parts, ";")
}

// Write adds one observation.
func (c *ObservationCSVWriter) Write(rec ObservationRecord) error {
	o, st := rec.Observation, rec.Observation.Station
	c.row = append(c.row[:0],
		strconv.FormatInt(o.ID, 10), c.opt.Election.Code, st.Code, st.Name, st.RegionName, st.DistrictName,
		string(o.Phase), o.ObserverCode, c.opt.localTimePtr(o.ArrivedAt, st), c.opt.localTimePtr(o.LeftAt, st),
		string(o.Assessment))
	for _, q := range Questions {
		c.row = append(c.row, string(o.Answers[q.Code]))
	}
	for _, q := range c.custom {
		c.row = append(c.row, string(o.Answers[q.Code]))
	}
	for _, f := range ProtocolFigures {
		v := ""
		if p := o.Protocol.Figure(f); p != nil {
			v = strconv.FormatInt(*p, 10)
		}
		c.row = append(c.row, v)
	}
	var votes map[string]int64
	if o.Protocol != nil {
		votes = o.Protocol.Votes
	}
	c.row = append(c.row, formatVotes(votes), o.Notes, c.opt.localTime(o.CreatedAt, st), c.opt.localTime(o.UpdatedAt, st))
	return c.put(rec.Contact, "observation", o.ID)
}
