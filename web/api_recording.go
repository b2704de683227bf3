package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The recording API: the same submissions as the forms, in the JSON Lines shape of
// formats.md, idempotent by client_id; and the incident list with the pages' scope.

// readJSONBody reads a body of at most report.MaxLineBytes.
func readJSONBody(c echo.Context) ([]byte, error) {
	size := 512
	if n := c.Request().ContentLength; n > 0 && n <= report.MaxLineBytes {
		size = int(n) + 1 // +1: the end of the body is seen without growing
	}
	b, err := readAllSized(io.LimitReader(c.Request().Body, report.MaxLineBytes+1), size)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, apiError(c, http.StatusRequestEntityTooLarge, "too_large", "the body is larger than the server accepts", nil)
		}
		return nil, echo.NewHTTPError(http.StatusBadRequest, "unreadable body")
	}
	if len(b) > report.MaxLineBytes {
		return nil, apiError(c, http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("one submission may be at most %d bytes", report.MaxLineBytes), nil)
	}
	return b, nil
}

// readAllSized is io.ReadAll into a buffer of the announced size: one allocation
// for a body whose length was sent (ReadAll starts at 512 bytes and doubles).
func readAllSized(r io.Reader, size int) ([]byte, error) {
	b := make([]byte, 0, size)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// savedJSON answers a submission: 201 for a new record, 200 for one seen before.
func savedJSON(c echo.Context, id int64, created bool) error {
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	if c.Request().URL.RawQuery != "" { // echo's ?pretty, and whatever else c.JSON heeds
		return c.JSON(status, map[string]int64{"id": id})
	}
	// The bytes c.JSON writes, without reflection over a map for every submission.
	b := make([]byte, 0, 32)
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, id, 10)
	return c.Blob(status, echo.MIMEApplicationJSON, append(b, "}\n"...))
}

// saveErrorJSON answers a failed submission; it returns err unchanged for errors
// that are not the caller's (server errors).
func saveErrorJSON(c echo.Context, err error) error {
	var fe report.FieldErrors
	var ce *storage.ConflictError
	switch {
	case errors.As(err, &fe):
		return apiError(c, http.StatusBadRequest, "invalid", "the submission has errors: see fields", fe.Map())
	case errors.As(err, &ce):
		return apiError(c, http.StatusConflict, "conflict", "this client_id was used before with other content; the earlier record is kept",
			map[string]string{ce.Field: report.FieldError{Code: report.CodeConflict}.Message()})
	case errors.Is(err, report.ErrConflict):
		return apiError(c, http.StatusConflict, "conflict", "this client_id was used before with other content; the earlier record is kept", nil)
	}
	return err
}

func (s *Server) apiPostObservation(c echo.Context) error {
	el, err := s.electionFromPath(c)
	if err != nil {
		return err
	}
	body, err := readJSONBody(c)
	if err != nil || body == nil {
		return err
	}
	o, fe := report.DecodeObservationLine(body)
	if fe != nil {
		return saveErrorJSON(c, fe)
	}
	o.ElectionID = el.ID
	if fe, err := s.apiRecordScope(c, el.ID, o.Station.Code, o.ObserverCode, 0); err != nil {
		return err
	} else if fe != nil {
		return saveErrorJSON(c, fe)
	}
	id, created, err := s.store.SaveObservation(c.Request().Context(), o, *state(c).user)
	if err != nil {
		return saveErrorJSON(c, err)
	}
	return savedJSON(c, id, created)
}

func (s *Server) apiPostIncident(c echo.Context) error {
	el, err := s.electionFromPath(c)
	if err != nil {
		return err
	}
	body, err := readJSONBody(c)
	if err != nil || body == nil {
		return err
	}
	in, fe := report.DecodeIncidentJSON(body)
	if fe != nil {
		return saveErrorJSON(c, fe)
	}
	in.ElectionID = el.ID
	if fe, err := s.apiRecordScope(c, el.ID, in.Station.Code, "", in.ObservationID); err != nil {
		return err
	} else if fe != nil {
		return saveErrorJSON(c, fe)
	}
	id, created, err := s.store.SaveIncident(c.Request().Context(), in, *state(c).user)
	if err != nil {
		return saveErrorJSON(c, err)
	}
	return savedJSON(c, id, created)
}

// apiPageSize bounds the incident list's pages.
const (
	apiPageSize    = 50
	apiMaxPageSize = 500
)

// apiScopeErrors words the scope's field errors.
var apiScopeErrors = map[string]string{
	report.ScopeUnknownRegion:    "is not a region of this election",
	report.ScopeUnknownDistrict:  "is not a district of this region",
	report.ScopeDistrictNoRegion: "needs its region",
	report.ScopeUnknownStation:   "is not a polling station of this election",
	report.ScopeStationElsewhere: "is not in the region or district given",
}

// incidentFilterFromQuery reads the list's filters: region, district (within the
// region), station (codes), phase, category, status (comma-separated), witnessed,
// from and to (RFC 3339), before (the id to page back from), limit.
func (s *Server) incidentFilterFromQuery(c echo.Context, el report.Election) (report.IncidentFilter, map[string]string, error) {
	ctx := c.Request().Context()
	q := c.QueryParams()
	bad := map[string]string{}
	req := report.Scope{Region: q.Get("region"), District: q.Get("district"), Station: q.Get("station")}
	if err := report.ResolveScope(state(c).user, &req); err != nil {
		return report.IncidentFilter{}, nil, err
	}
	sc, scopeBad, err := req.Locate(ctx, s.store, el.ID)
	if err != nil {
		return report.IncidentFilter{}, nil, err
	}
	for _, e := range scopeBad {
		bad[e.Field] = apiScopeErrors[e.Code]
	}
	f := sc.Filter
	f.Limit = apiPageSize
	if v := q.Get("phase"); v != "" {
		if f.Phase = report.Phase(v); !report.ValidPhase(f.Phase) {
			bad["phase"] = "is not a phase"
		}
	}
	f.Category = q.Get("category")
	for _, v := range q["status"] {
		for _, st := range strings.Split(v, ",") {
			if st = strings.TrimSpace(st); st == "" {
				continue
			}
			if !report.ValidStatus(report.Status(st)) {
				bad["status"] = "must be new, verified or rejected"
			}
			f.Statuses = append(f.Statuses, report.Status(st))
		}
	}
	if v := q.Get("witnessed"); v != "" {
		w, err := strconv.ParseBool(v)
		if err != nil {
			bad["witnessed"] = "must be true or false"
		}
		f.Witnessed = &w
	}
	for _, k := range []string{"from", "to"} {
		if v := q.Get(k); v != "" {
			tm, ok := report.ParseTime(v)
			if !ok {
				bad[k] = "is not an RFC 3339 time with an offset"
				continue
			}
			if k == "from" {
				f.Window.From = &tm
			} else {
				f.Window.To = &tm
			}
		}
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			bad["before"] = "must be an incident id"
		}
		f.BeforeID = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > apiMaxPageSize {
			bad["limit"] = fmt.Sprintf("must be 1 to %d", apiMaxPageSize)
		}
		f.Limit = n
	}
	return f, bad, nil
}

// incidentListJSON is one page of the list, newest first; next is the URL of the
// following page (absent on the last).
type incidentListJSON struct {
	Incidents []report.IncidentJSON `json:"incidents"`
	Next      *string               `json:"next"`
}

func (s *Server) apiListIncidents(c echo.Context) error {
	el, err := s.electionFromPath(c)
	if err != nil {
		return err
	}
	f, bad, err := s.incidentFilterFromQuery(c, el)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return apiError(c, http.StatusBadRequest, "invalid", "the filters have errors: see fields", bad)
	}
	limit := f.Limit
	f.Limit = limit + 1 // one more tells whether there is a next page
	incs, err := s.store.Incidents(c.Request().Context(), f)
	if err != nil {
		return err
	}
	zone, err := s.store.ElectionLocation(c.Request().Context(), el.ID)
	if err != nil {
		return err
	}
	out := incidentListJSON{Incidents: []report.IncidentJSON{}}
	opt := report.ExportOptions{Election: el, Tr: state(c).loc, CategoryName: apiCategoryName(c), Zone: zone}
	for i, in := range incs {
		if i == limit {
			q := c.QueryParams()
			next := url.Values{}
			for k, v := range q {
				next[k] = v
			}
			next.Set("before", strconv.FormatInt(incs[limit-1].ID, 10))
			u := c.Request().URL.Path + "?" + next.Encode()
			out.Next = &u
			break
		}
		j := report.IncidentJSONOf(report.IncidentRecord{Incident: in}, opt)
		j.Evidence, j.EvidenceSHA256 = in.EvidenceCount, nil
		out.Incidents = append(out.Incidents, j)
	}
	return c.JSON(http.StatusOK, out)
}

// evidenceJSON is one file of an incident.
type evidenceJSON struct {
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	MIME      string `json:"mime"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
}

type incidentDetailJSON struct {
	report.IncidentJSON
	Files []evidenceJSON `json:"files"`
}

func (s *Server) apiGetIncident(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	in, err := s.store.Incident(ctx, id)
	if err != nil {
		return err
	}
	if !canSeeIncident(state(c).user, in) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	el, err := s.store.Election(ctx, in.ElectionID)
	if err != nil {
		return err
	}
	evs, err := s.store.EvidenceOf(ctx, id)
	if err != nil {
		return err
	}
	zone, err := s.store.ElectionLocation(ctx, el.ID)
	if err != nil {
		return err
	}
	opt := report.ExportOptions{Election: el, Tr: state(c).loc, CategoryName: apiCategoryName(c), Zone: zone}
	out := incidentDetailJSON{
		IncidentJSON: report.IncidentJSONOf(report.IncidentRecord{Incident: in, Evidence: evs}, opt),
		Files:        []evidenceJSON{},
	}
	for _, ev := range evs {
		out.Files = append(out.Files, evidenceJSON{SHA256: ev.SHA256, Size: ev.Size, MIME: ev.MIME, Name: ev.OriginalName,
			CreatedAt: ev.CreatedAt.UTC().Format(time.RFC3339)})
	}
	return c.JSON(http.StatusOK, out)
}

// apiCategoryName names categories in the API's answers as the pages do: an
// administrator's added category by its text in the caller's language.
func apiCategoryName(c echo.Context) func(string) string {
	ctx := c.Request().Context()
	return func(code string) string { return categoryName(ctx, code) }
}
