package web

import (
	"errors"
	"mime"
	"net/http"
	"os"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/photo"
	"github.com/observerkz/observer/internal/report"
)

// incidentFile resolves /evidence/:sha/…?incident=ID: the incident must be one the
// user may see and the file one of its own; anything else is a 404.
func (s *Server) incidentFile(c echo.Context) (report.Evidence, error) {
	in, err := s.visibleIncident(c, c.QueryParam("incident"))
	if err != nil {
		return report.Evidence{}, err
	}
	ev, err := s.store.IncidentEvidence(c.Request().Context(), in.ID, c.Param("sha"))
	if errors.Is(err, report.ErrNotFound) {
		return ev, echo.NewHTTPError(http.StatusNotFound)
	}
	return ev, err
}

// servedType is the Content-Type a browser's player understands for a stored type.
func servedType(mimeType string) string {
	if mimeType == "audio/x-m4a" {
		return "audio/mp4"
	}
	return mimeType
}

// evidenceView shows a file in the page. Photos are shown only as previews drawn
// from their pixels, without the GPS position and device details the original may
// carry; video, audio and PDF are served as they are, with byte ranges so players
// can seek.
func (s *Server) evidenceView(c echo.Context) error {
	ev, err := s.incidentFile(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if report.EvidenceKindOf(ev.MIME) == report.KindPhoto {
		path, mt, err := s.store.EvidencePreview(ctx, ev)
		if errors.Is(err, photo.ErrNoPreview) {
			return echo.NewHTTPError(http.StatusNotFound, "no preview for this file")
		}
		if err != nil {
			return err
		}
		return s.serveFile(c, path, mt, "inline", "preview-"+ev.SHA256[:12]+previewExt(mt), previewCache)
	}
	if report.EvidenceKindOf(ev.MIME) == "" {
		// Kept as plain bytes (its first bytes read as a page): downloaded, never shown.
		return echo.NewHTTPError(http.StatusNotFound, "no preview for this file")
	}
	return s.serveFile(c, s.store.BlobPath(ev.SHA256), servedType(ev.MIME), "inline", report.EvidenceFileName(ev), originalCache)
}

func previewExt(mt string) string {
	if mt == "image/png" {
		return ".png"
	}
	return ".jpg"
}

// evidenceOriginal downloads the file exactly as it was uploaded.
func (s *Server) evidenceOriginal(c echo.Context) error {
	ev, err := s.incidentFile(c)
	if err != nil {
		return err
	}
	// Named by its content and detected type, never by the name it came with: a
	// name like "photo.hta" would make a double-click run it.
	return s.serveFile(c, s.store.BlobPath(ev.SHA256), servedType(ev.MIME), "attachment", report.EvidenceFileName(ev), originalCache)
}

const (
	// previewCache: a preview is drawn from the pixels and carries no metadata; the
	// bytes behind a SHA-256 never change, and "private" keeps shared caches out.
	previewCache = "private, max-age=31536000, immutable"
	// originalCache: an original (with its GPS position and device details) must not
	// stay in the browser of a shared computer after sign-out.
	originalCache = "no-store"
)

// serveFile sends a file with Range support (http.ServeContent).
func (s *Server) serveFile(c echo.Context, path, contentType, disposition, name, cache string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType(disposition, map[string]string{"filename": name}))
	h.Set("Cache-Control", cache)
	if contentType == "application/pdf" && disposition == "inline" {
		// The page policy's object-src 'none' would stop browsers' PDF viewers; the
		// content is a PDF (checked from its bytes at upload), served as nothing else.
		h.Del("Content-Security-Policy")
	}
	http.ServeContent(c.Response(), c.Request(), "", fi.ModTime(), f)
	return nil
}
