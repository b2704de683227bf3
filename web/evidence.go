package web

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

func (s *Server) evidenceLimits() storage.EvidenceLimits {
	return storage.EvidenceLimits{MaxFileBytes: s.cfg.MaxFileBytes, MaxIncidentBytes: s.cfg.MaxIncidentBytes,
		MaxUploaderBytes: s.cfg.MaxUploaderBytes}
}

// saveUploads attaches the files of a form to an incident, each streamed from the
// multipart part (on disk for large files) to the evidence store. A refused file
// does not stop the others: every acceptable file is kept, and the error joins the
// refusals (a *report.EvidenceTypeError or *storage.EvidenceSizeError each, naming
// the file). Empty file inputs are skipped.
func (s *Server) saveUploads(c echo.Context, in report.Incident, files []*multipart.FileHeader) ([]report.Evidence, error) {
	ctx := c.Request().Context()
	u := state(c).user
	var saved []report.Evidence
	var errs []error
	for _, fh := range files {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		f, err := fh.Open()
		if err != nil {
			return saved, err
		}
		ev, _, err := s.store.AddEvidence(ctx, in.ID, f, fh.Filename, *u, s.evidenceLimits())
		f.Close()
		if err != nil {
			if !isRefusal(err) {
				return saved, err
			}
			errs = append(errs, err)
			continue
		}
		saved = append(saved, ev)
	}
	return saved, errors.Join(errs...)
}

// isRefusal reports whether err refuses a file (its type or size) rather than failing.
func isRefusal(err error) bool {
	var te *report.EvidenceTypeError
	return errors.As(err, &te) || errors.Is(err, storage.ErrTooLarge)
}

// incidentAddEvidence attaches files from the incident page's form.
func (s *Server) incidentAddEvidence(c echo.Context) error {
	in, err := s.visibleIncident(c, c.Param("id"))
	if err != nil {
		return err
	}
	files, err := uploadedFiles(c)
	if err != nil {
		return err
	}
	saved, err := s.saveUploads(c, in, files)
	if err != nil {
		name, reason, ok := refusal(c.Request().Context(), err)
		if !ok {
			return err
		}
		v, verr := s.incidentView(c.Request().Context(), state(c).user, in)
		if verr != nil {
			return verr
		}
		v.UploadName, v.UploadError = name, reason
		return s.render(c, http.StatusUnprocessableEntity, incidentReviewPage(v))
	}
	if len(saved) == 0 {
		s.flash(c, "review.flash.no_file")
	} else {
		s.flash(c, "review.flash.evidence_added")
	}
	return seeOther(c, incidentURL(in.ID))
}

// apiAddEvidence is POST /api/v1/incidents/:id/evidence: one file in the multipart
// field "file". Called with a token, the body is read part by part and the file
// streamed straight to the store, never held whole.
func (s *Server) apiAddEvidence(c echo.Context) error {
	in, err := s.visibleIncident(c, c.Param("id"))
	if err != nil {
		return err
	}
	r := c.Request()
	var part io.Reader
	var name string
	if r.MultipartForm != nil {
		// A browser session: the CSRF check has parsed the form already (large parts on disk).
		fhs := r.MultipartForm.File["file"]
		if len(fhs) == 0 {
			return apiError(c, http.StatusBadRequest, "bad_request", "send the file in the multipart field \"file\"", map[string]string{"file": "missing"})
		}
		f, err := fhs[0].Open()
		if err != nil {
			return err
		}
		defer f.Close()
		part, name = f, fhs[0].Filename
	} else {
		mr, err := r.MultipartReader()
		if err != nil {
			return apiError(c, http.StatusBadRequest, "bad_request", "the body must be multipart/form-data with the file in the field \"file\"", nil)
		}
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return apiError(c, http.StatusBadRequest, "bad_request", "send the file in the multipart field \"file\"", map[string]string{"file": "missing"})
			}
			if err != nil {
				return apiError(c, http.StatusBadRequest, "bad_request", "the multipart body is damaged", nil)
			}
			if p.FormName() == "file" {
				defer p.Close()
				part, name = p, p.FileName()
				break
			}
			p.Close()
		}
	}
	ev, created, err := s.store.AddEvidence(r.Context(), in.ID, part, name, *state(c).user, s.evidenceLimits())
	var te *report.EvidenceTypeError
	switch {
	case errors.As(err, &te):
		return apiError(c, http.StatusUnsupportedMediaType, "unsupported_type", err.Error(), map[string]string{"file": te.MIME})
	case errors.Is(err, storage.ErrTooLarge):
		return apiError(c, http.StatusRequestEntityTooLarge, "too_large", err.Error(), nil)
	case err != nil:
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apiError(c, http.StatusRequestEntityTooLarge, "too_large", "the upload is larger than the server accepts", nil)
		}
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, map[string]any{"sha256": ev.SHA256, "size": ev.Size, "mime": ev.MIME, "name": ev.OriginalName})
}
