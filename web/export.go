package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// The coordinator's exports: a scope picker with a preview of what the scope holds,
// then the evidence pack (ZIP) or the incidents as CSV or JSON, all streamed.

// maxExportIDs bounds a typed list of incident ids: a longer list is a scope the
// other fields describe better.
const maxExportIDs = 5000

// exportForm is the scope as submitted: the GET form (so a scope can be bookmarked
// and previewed without JavaScript) and the hidden fields of the download forms.
type exportForm struct {
	Region, District, Station, Phase, Category, From, To, IDs string
	Statuses                                                  []string
}

func exportFormOf(q url.Values) exportForm {
	f := exportForm{Region: q.Get("region"), District: q.Get("district"), Station: q.Get("station"),
		Phase: q.Get("phase"), Category: q.Get("category"), From: q.Get("from"), To: q.Get("to"), IDs: q.Get("ids")}
	for _, p := range []*string{&f.Region, &f.District, &f.Station, &f.Phase, &f.Category, &f.From, &f.To, &f.IDs} {
		*p = strings.TrimSpace(*p)
	}
	for _, st := range q["status"] {
		if st = strings.TrimSpace(st); st != "" && !slices.Contains(f.Statuses, st) {
			f.Statuses = append(f.Statuses, st)
		}
	}
	return f
}

// values is the form as query parameters (the download forms carry them hidden).
func (f exportForm) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"region": f.Region, "district": f.District, "station": f.Station,
		"phase": f.Phase, "category": f.Category, "from": f.From, "to": f.To, "ids": f.IDs} {
		if s != "" {
			v.Set(k, s)
		}
	}
	for _, st := range f.Statuses {
		v.Add("status", st)
	}
	return v
}

func (f exportForm) hasStatus(st report.Status) bool { return slices.Contains(f.Statuses, string(st)) }

// exportScope is a parsed scope: the pack's scope (filter, codes and names), the
// statistics query of the same place, status and time window.
type exportScope struct {
	Pack  report.PackScope
	Stats report.StatsQuery
}

// exportScopeErrors words the scope's field errors (catalogue keys).
var exportScopeErrors = map[string]string{
	report.ScopeUnknownRegion:    "export.err.region",
	report.ScopeUnknownDistrict:  "export.err.district",
	report.ScopeDistrictNoRegion: "export.err.district_region",
	report.ScopeUnknownStation:   "export.err.station",
	report.ScopeStationElsewhere: "export.err.station_place",
}

// parseExportScope turns the form into a scope within the user's reach. Bad input
// goes into errs (field → catalogue key); asking for a region the user may not
// see is report.ErrOutOfScope.
func (s *Server) parseExportScope(ctx context.Context, u *report.User, el report.Election, form *exportForm, loc *time.Location, errs map[string]string) (exportScope, error) {
	sc := exportScope{}
	req := report.Scope{Region: form.Region, District: form.District, Station: form.Station}
	if err := report.ResolveScope(u, &req); err != nil {
		return sc, err
	}
	// A limited coordinator's scope is their region, whether or not they say so.
	form.Region = req.Region
	var bad []report.ScopeError
	var err error
	if sc.Pack, bad, err = req.Locate(ctx, s.store, el.ID); err != nil {
		return sc, err
	}
	for _, e := range bad {
		errs[e.Field] = exportScopeErrors[e.Code]
	}
	f := sc.Pack.Filter
	if form.Phase != "" {
		if f.Phase = report.Phase(form.Phase); !report.ValidPhase(f.Phase) {
			errs["phase"] = "export.err.value"
		}
	}
	if form.Category != "" {
		schema, err := s.store.StatsSchema(ctx, el.ID)
		if err != nil {
			return sc, err
		}
		if !slices.ContainsFunc(schema.Categories, func(c report.Category) bool { return c.Code == form.Category }) {
			errs["category"] = "export.err.value"
		}
		f.Category = form.Category
	}
	for _, v := range form.Statuses {
		st := report.Status(v)
		if !report.ValidStatus(st) {
			errs["status"] = "export.err.value"
			continue
		}
		f.Statuses = append(f.Statuses, st)
	}
	for _, end := range []struct {
		field, value string
		dst          **time.Time
	}{{"from", form.From, &f.Window.From}, {"to", form.To, &f.Window.To}} {
		if end.value == "" {
			continue
		}
		tm, err := report.ParseWhen(end.value, loc)
		if err != nil {
			errs[end.field] = "export.err.time"
			continue
		}
		*end.dst = &tm
	}
	if f.Window.From != nil && f.Window.To != nil && !f.Window.To.After(*f.Window.From) {
		errs["to"] = "export.err.window"
	}
	ids, ok := parseIDList(form.IDs)
	if !ok {
		errs["ids"] = "export.err.ids"
	}
	f.IDs = ids
	sc.Pack.Filter = f

	sc.Stats = report.StatsQuery{ElectionID: el.ID, Election: el.Code, Region: sc.Pack.RegionCode, District: sc.Pack.DistrictCode}
	if len(f.Statuses) == 1 && f.Statuses[0] == report.StatusVerified {
		sc.Stats.Status = report.FilterVerified
	}
	if f.Window.From != nil || f.Window.To != nil {
		w := f.Window
		sc.Stats.Window = &w
	}
	return sc, nil
}

// parseIDList reads incident ids separated by commas, semicolons or spaces ("#12"
// is 12, as the list shows them), sorted and without repeats.
func parseIDList(s string) ([]int64, bool) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
	var ids []int64
	for _, w := range fields {
		n, err := strconv.ParseInt(strings.TrimPrefix(w, "#"), 10, 64)
		if err != nil || n <= 0 {
			return nil, false
		}
		ids = append(ids, n)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > maxExportIDs {
		return nil, false
	}
	return ids, true
}

// exportView is what the export page shows.
type exportView struct {
	Election   report.Election
	Form       exportForm
	Regions    []report.Region
	Categories []report.Category
	Zone       string
	// Limited is the region a coordinator is held to ("" for everyone else).
	Limited string
	Errors  map[string]string
	// Preview is set once the coordinator asked for it and the scope is valid.
	Preview *report.PackPreview
	// Lang is the default language of the report (the page's).
	Lang string
}

// exportContext loads what the page and the downloads share: the election, its
// zone, and the scope of the submitted form.
func (s *Server) exportContext(c echo.Context, q url.Values) (*exportView, exportScope, error) {
	ctx := c.Request().Context()
	el, err := s.currentElection(c)
	if err != nil {
		return nil, exportScope{}, err
	}
	u := state(c).user
	v := &exportView{Election: el, Form: exportFormOf(q), Errors: map[string]string{}, Lang: state(c).lang}
	if u.Role == report.RoleCoordinator {
		v.Limited = u.RegionCode
	}
	loc, err := s.store.ElectionLocation(ctx, el.ID)
	if err != nil {
		return nil, exportScope{}, err
	}
	v.Zone = loc.String()
	sc, err := s.parseExportScope(ctx, u, el, &v.Form, loc, v.Errors)
	return v, sc, err
}

func (s *Server) exportPage(c echo.Context) error {
	v, sc, err := s.exportContext(c, c.QueryParams())
	if err != nil {
		return err
	}
	// Counting a whole election's evidence takes a moment on a large one: only when asked.
	if c.QueryParam("preview") != "" && len(v.Errors) == 0 {
		p, err := s.store.PackPreview(c.Request().Context(), sc.Pack.Filter)
		if err != nil {
			return err
		}
		v.Preview = &p
	}
	status := http.StatusOK
	if len(v.Errors) > 0 {
		status = http.StatusBadRequest
	}
	return s.renderExportPage(c, v, status)
}

// renderExportPage adds the form's choices (regions, categories) and renders.
func (s *Server) renderExportPage(c echo.Context, v *exportView, status int) error {
	ctx := c.Request().Context()
	var err error
	if v.Regions, err = s.store.Regions(ctx, v.Election.ID); err != nil {
		return err
	}
	if v.Limited != "" {
		v.Regions = slices.DeleteFunc(v.Regions, func(r report.Region) bool { return r.Code != v.Limited })
	}
	schema, err := s.store.StatsSchema(ctx, v.Election.ID)
	if err != nil {
		return err
	}
	v.Categories = schema.Categories
	return s.render(c, status, exportPage(v))
}

// downloadOptions are the download forms' own fields: the language of the
// report and the category names, and whether contact details go with it. Contact
// details go only to a person signed in with both factors, never to an API token
// (the handlers refuse it).
func downloadOptions(c echo.Context) (lang string, contacts bool) {
	lang = state(c).lang
	if l := c.FormValue("lang"); slices.Contains(i18n.Languages, l) {
		lang = l
	}
	return lang, c.FormValue("contacts") == "1"
}

// sizeText is a byte count for people: 0 B, 12 KB, 3.4 MB, 1.2 GB.
func sizeText(ctx context.Context, n int64) string {
	const k = 1024
	switch {
	case n < k:
		return t(ctx, "export.size.b", "N", n)
	case n < k*k:
		return t(ctx, "export.size.kb", "N", (n+k/2)/k)
	case n < k*k*k:
		return t(ctx, "export.size.mb", "N", oneDecimal(ctx, float64(n)/(k*k)))
	}
	return t(ctx, "export.size.gb", "N", oneDecimal(ctx, float64(n)/(k*k*k)))
}

// oneDecimal writes x with one decimal, with the comma Russian and Kazakh use.
func oneDecimal(ctx context.Context, x float64) string {
	s := strconv.FormatFloat(x, 'f', 1, 64)
	if i18n.From(ctx).Lang() != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
