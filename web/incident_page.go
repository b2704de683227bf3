package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

func incidentURL(id int64) string { return "/incidents/" + strconv.FormatInt(id, 10) }

// incidentView is one incident as the coordinator (or its filer) reads it.
type incidentView struct {
	Incident report.Incident
	Election report.Election
	Evidence []report.Evidence
	// CanVerify: staff whose region covers the incident.
	CanVerify bool
	// CanAttach: the filer, or staff who can see it.
	CanAttach bool
	CanEdit   bool
	// Note and NoteError keep the verification form's input after a refusal.
	Note, NoteError string
	// UploadName and UploadError say which file was refused and why.
	UploadName, UploadError string
	// MaxFile and MaxIncident are the upload limits, for people.
	MaxFile, MaxIncident string
}

// visibleIncident loads the incident in the URL when the user may see it. Anything
// else is a 404, so that the ids of records out of scope reveal nothing.
func (s *Server) visibleIncident(c echo.Context, id string) (report.Incident, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return report.Incident{}, echo.NewHTTPError(http.StatusNotFound)
	}
	in, err := s.store.Incident(c.Request().Context(), n)
	if errors.Is(err, report.ErrNotFound) || (err == nil && !canSeeIncident(state(c).user, in)) {
		return report.Incident{}, echo.NewHTTPError(http.StatusNotFound)
	}
	return in, err
}

func (s *Server) incidentView(ctx context.Context, u *report.User, in report.Incident) (*incidentView, error) {
	v := &incidentView{Incident: in, MaxFile: storage.HumanBytes(s.cfg.MaxFileBytes), MaxIncident: storage.HumanBytes(s.cfg.MaxIncidentBytes)}
	var err error
	if v.Election, err = s.store.Election(ctx, in.ElectionID); err != nil {
		return nil, err
	}
	if v.Evidence, err = s.store.EvidenceOf(ctx, in.ID); err != nil {
		return nil, err
	}
	staffRole := u.Role == report.RoleCoordinator || u.Role == report.RoleAdmin
	v.CanVerify = staffRole && canSeeRegion(u, in.Station.RegionCode)
	v.CanAttach = true // visibleIncident let them in: the filer or staff in scope
	v.CanEdit = in.UserID == u.ID && u.Role != report.RoleAdmin && report.IncidentEditable(in)
	return v, nil
}

func (s *Server) incidentShow(c echo.Context) error {
	in, err := s.visibleIncident(c, c.Param("id"))
	if err != nil {
		return err
	}
	v, err := s.incidentView(c.Request().Context(), state(c).user, in)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, incidentReviewPage(v))
}

func (s *Server) incidentSetStatus(c echo.Context) error {
	in, err := s.visibleIncident(c, c.Param("id"))
	if err != nil {
		return err
	}
	u := state(c).user
	if !canSeeRegion(u, in.Station.RegionCode) {
		// The filer who is a coordinator of another region sees it, but may not decide on it.
		return s.forbidden(c)
	}
	status, ok := decision(c.FormValue("status"))
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, "status must be verified or rejected")
	}
	note := c.FormValue("note")
	err = s.store.SetIncidentStatus(c.Request().Context(), in.ID, status, note, *u)
	s.settleStats(in.ElectionID)
	if key := statusErrorKey(err); key != "" {
		v, verr := s.incidentView(c.Request().Context(), u, in)
		if verr != nil {
			return verr
		}
		v.Note, v.NoteError = note, key
		return s.render(c, http.StatusUnprocessableEntity, incidentReviewPage(v))
	}
	if err != nil {
		return err
	}
	s.flash(c, "review.flash.status_"+string(status))
	return seeOther(c, incidentURL(in.ID))
}

// statusErrorKey is the catalogue key for a refused note ("" otherwise).
func statusErrorKey(err error) string {
	switch {
	case errors.Is(err, report.ErrNoteRequired):
		return "review.status.note_required"
	case errors.Is(err, report.ErrNoteTooLong):
		return "review.status.note_too_long"
	}
	return ""
}

// decision is a status a coordinator may set: verified or rejected.
func decision(v string) (report.Status, bool) {
	st := report.Status(v)
	return st, st == report.StatusVerified || st == report.StatusRejected
}

// statusRequest is the API body of POST /api/v1/incidents/:id/status.
type statusRequest struct {
	Status string `json:"status"`
	Note   string `json:"note"`
}

func (s *Server) apiSetIncidentStatus(c echo.Context) error {
	in, err := s.visibleIncident(c, c.Param("id"))
	if err != nil {
		return err
	}
	u := state(c).user
	if !canSeeRegion(u, in.Station.RegionCode) {
		return apiError(c, http.StatusForbidden, "forbidden", "this incident is outside your region", nil)
	}
	var req statusRequest
	// JSON whatever the Content-Type says, as the other API calls read their bodies.
	if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil {
		if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
			// A body without a length, cut by the body limit while decoding.
			return apiError(c, http.StatusRequestEntityTooLarge, "too_large", "the body is larger than the server accepts", nil)
		}
		return apiError(c, http.StatusBadRequest, "bad_request", "the body must be JSON: {\"status\": \"verified\"|\"rejected\", \"note\": \"…\"}", nil)
	}
	status, ok := decision(req.Status)
	if !ok {
		return apiError(c, http.StatusBadRequest, "invalid", "the status is not valid", map[string]string{"status": "must be verified or rejected"})
	}
	err = s.store.SetIncidentStatus(c.Request().Context(), in.ID, status, req.Note, *u)
	s.settleStats(in.ElectionID)
	switch {
	case errors.Is(err, report.ErrNoteRequired), errors.Is(err, report.ErrNoteTooLong):
		return apiError(c, http.StatusBadRequest, "invalid", "the note is not valid", map[string]string{"note": err.Error()})
	case err != nil:
		return err
	}
	in, err = s.store.Incident(c.Request().Context(), in.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": in.ID, "status": in.Status, "note": in.VerificationNote, "verified_by": in.VerifiedBy})
}

// stationTime shows a time in the station's zone, with the zone's name.
func stationTime(tm time.Time, st report.Station) string {
	return tm.In(st.Location()).Format("02.01.2006 15:04") + " (" + zoneName(st) + ")"
}

// evidenceURL is a file's address: what is "view" (shown in the page) or "original".
func evidenceURL(ev report.Evidence, incidentID int64, what string) string {
	return "/evidence/" + ev.SHA256 + "/" + what + "?incident=" + strconv.FormatInt(incidentID, 10)
}
