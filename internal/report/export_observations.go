package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
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
	opt    ExportOptions
	custom []Question
	bw     *bufio.Writer
	cw     *csv.Writer
	row    []string
}

// NewObservationCSV writes the byte-order mark and the header row.
func NewObservationCSV(w io.Writer, opt ExportOptions) (*ObservationCSVWriter, error) {
	return NewObservationCSVWith(w, opt, nil)
}

// NewObservationCSVWith is NewObservationCSV with a column for each of the
// election's custom questions too, after the standard ones.
func NewObservationCSVWith(w io.Writer, opt ExportOptions, custom []Question) (*ObservationCSVWriter, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString(UTF8BOM); err != nil {
		return nil, fmt.Errorf("report: unable to write the CSV: %w", err)
	}
	c := &ObservationCSVWriter{opt: opt, custom: custom, bw: bw, cw: csv.NewWriter(bw)}
	if err := c.cw.Write(observationColumns(opt.IncludeContacts, custom)); err != nil {
		return nil, fmt.Errorf("report: unable to write the CSV: %w", err)
	}
	return c, nil
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
		string(o.Phase), o.ObserverCode, localTimePtr(o.ArrivedAt, st), localTimePtr(o.LeftAt, st),
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
	c.row = append(c.row, formatVotes(votes), o.Notes, localTime(o.CreatedAt, st), localTime(o.UpdatedAt, st))
	if c.opt.IncludeContacts {
		var ct ObserverContact
		if rec.Contact != nil {
			ct = *rec.Contact
		}
		c.row = append(c.row, ct.Name, ct.Phone)
	}
	for i := range c.row {
		c.row[i] = csvSafe(c.row[i])
	}
	if err := c.cw.Write(c.row); err != nil {
		return fmt.Errorf("report: unable to write observation %d: %w", o.ID, err)
	}
	return nil
}

// Close flushes what is buffered; it does not close the underlying writer.
func (c *ObservationCSVWriter) Close() error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return fmt.Errorf("report: unable to write the CSV: %w", err)
	}
	if err := c.bw.Flush(); err != nil {
		return fmt.Errorf("report: unable to write the CSV: %w", err)
	}
	return nil
}
