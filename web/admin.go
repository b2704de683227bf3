package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The administrator's pages: elections, their station lists and observer rosters
// (CSV imports), and accounts (invitations, disabling and enabling again).

// electionForm is the "new election" form with what was typed and what is wrong.
type electionForm struct {
	Code, Name, Date, Timezone string
	Errors                     map[string]string // field -> catalogue key
}

type adminHomeView struct {
	Elections []electionRow
	Form      electionForm
	// Fingerprint is the evidence-pack signing key's, for comparing with a pack's.
	Fingerprint string
	Continuity  continuityView
}

type electionRow struct {
	Election report.Election
	Counts   storage.StationCounts
}

func (s *Server) adminHome(c echo.Context) error {
	return s.renderAdminHome(c, http.StatusOK, electionForm{Timezone: report.DefaultElectionZone})
}

func (s *Server) renderAdminHome(c echo.Context, status int, f electionForm) error {
	ctx := c.Request().Context()
	els, err := s.store.Elections(ctx)
	if err != nil {
		return err
	}
	v := adminHomeView{Form: f}
	pub, err := s.store.SigningPublicKey()
	if err != nil {
		return err
	}
	v.Fingerprint = report.KeyFingerprint(pub)
	if v.Continuity, err = s.continuityView(ctx); err != nil {
		return err
	}
	for _, el := range els {
		counts, err := s.store.CountStations(ctx, el.ID)
		if err != nil {
			return err
		}
		v.Elections = append(v.Elections, electionRow{el, counts})
	}
	return s.render(c, status, adminHomePage(v))
}

func (s *Server) adminCreateElection(c echo.Context) error {
	f := electionForm{Code: strings.TrimSpace(c.FormValue("code")), Name: strings.TrimSpace(c.FormValue("name")),
		Date: strings.TrimSpace(c.FormValue("date")), Timezone: strings.TrimSpace(c.FormValue("timezone")), Errors: map[string]string{}}
	// report.ValidateElection checks one field at a time here, so each gets its own message.
	if report.ValidateElection(f.Code, "x", "2000-01-01") != nil {
		f.Errors["code"] = "admin.election_code_invalid"
	}
	if f.Name == "" || len([]rune(f.Name)) > 200 {
		f.Errors["name"] = "admin.election_name_invalid"
	}
	if report.ValidateElection("xx", "x", f.Date) != nil {
		f.Errors["date"] = "admin.election_date_invalid"
	}
	if f.Timezone == "" {
		f.Timezone = report.DefaultElectionZone
	}
	if len(f.Timezone) > 64 || !report.ValidTimezone(f.Timezone) {
		f.Errors["timezone"] = "admin.election_timezone_invalid"
	}
	ctx := c.Request().Context()
	if len(f.Errors) == 0 {
		if _, err := s.store.ElectionByCode(ctx, f.Code); err == nil {
			f.Errors["code"] = "admin.election_code_taken"
		} else if !errors.Is(err, report.ErrNotFound) {
			return err
		}
	}
	if len(f.Errors) > 0 {
		return s.renderAdminHome(c, http.StatusUnprocessableEntity, f)
	}
	el, err := s.store.CreateElection(ctx, f.Code, f.Name, f.Date, f.Timezone, *state(c).user)
	if err != nil {
		return err
	}
	s.flash(c, "admin.election_created")
	return seeOther(c, "/admin/elections/"+url.PathEscape(el.Code))
}

// importResult is what the last import did, shown above the forms.
type importResult struct {
	Kind   string // "stations" or "observers"
	Counts report.ImportCounts
	Errors report.CSVErrors
	File   string
}

type adminElectionView struct {
	Election report.Election
	Counts   storage.StationCounts
	Regions  []storage.RegionSummary
	Result   *importResult
}

func (s *Server) adminElection(c echo.Context) error {
	el, err := s.electionFromPath(c)
	if err != nil {
		return err
	}
	var res *importResult
	if kind := c.QueryParam("imported"); kind == "stations" || kind == "observers" {
		n := func(k string) int { v, _ := strconv.Atoi(c.QueryParam(k)); return v }
		res = &importResult{Kind: kind, Counts: report.ImportCounts{Added: n("added"), Updated: n("updated"), Unchanged: n("unchanged")}}
	}
	return s.renderAdminElection(c, http.StatusOK, el, res)
}

func (s *Server) renderAdminElection(c echo.Context, status int, el report.Election, res *importResult) error {
	ctx := c.Request().Context()
	counts, err := s.store.CountStations(ctx, el.ID)
	if err != nil {
		return err
	}
	regions, err := s.store.RegionSummaries(ctx, el.ID)
	if err != nil {
		return err
	}
	return s.render(c, status, adminElectionPage(adminElectionView{Election: el, Counts: counts, Regions: regions, Result: res}))
}

func (s *Server) adminImportStations(c echo.Context) error {
	return s.adminImport(c, "stations", func(el report.Election, r io.Reader) (report.ImportCounts, error) {
		recs, err := report.ParseStations(r)
		if err != nil {
			return report.ImportCounts{}, err
		}
		return s.store.ImportStations(c.Request().Context(), el, recs, *state(c).user)
	})
}

func (s *Server) adminImportObservers(c echo.Context) error {
	return s.adminImport(c, "observers", func(el report.Election, r io.Reader) (report.ImportCounts, error) {
		recs, err := report.ParseObservers(r)
		if err != nil {
			return report.ImportCounts{}, err
		}
		return s.store.ImportObservers(c.Request().Context(), el, recs, *state(c).user)
	})
}

// adminImport reads the uploaded CSV ("file") and imports it: on success it redirects
// with the counts; on errors it shows every one of them (nothing was written).
func (s *Server) adminImport(c echo.Context, kind string, do func(report.Election, io.Reader) (report.ImportCounts, error)) error {
	el, err := s.electionFromPath(c)
	if err != nil {
		return err
	}
	res := &importResult{Kind: kind}
	fh, err := c.FormFile("file")
	if err != nil {
		res.Errors = report.CSVErrors{{Key: "admin.import_no_file"}}
		return s.renderAdminElection(c, http.StatusUnprocessableEntity, el, res)
	}
	res.File = fh.Filename
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	counts, err := do(el, f)
	if errors.As(err, &res.Errors) {
		return s.renderAdminElection(c, http.StatusUnprocessableEntity, el, res)
	}
	if err != nil {
		return err
	}
	q := url.Values{"imported": {kind}, "added": {strconv.Itoa(counts.Added)},
		"updated": {strconv.Itoa(counts.Updated)}, "unchanged": {strconv.Itoa(counts.Unchanged)}}
	return seeOther(c, "/admin/elections/"+url.PathEscape(el.Code)+"?"+q.Encode())
}
