package web

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/results"
	"github.com/observerkz/observer/web/i18n"
)

// downloadStall is how long a download may go without the client taking any of it.
// The server's write timeout (5 minutes from the request) is for pages; a pack of
// gigabytes takes longer, so each write pushes the deadline on instead.
const downloadStall = 5 * time.Minute

// download writes a file to the response as it is made. The headers go out with
// the first byte, so that a failure before it is still a proper error page.
type download struct {
	c        echo.Context
	rc       *http.ResponseController
	ctype    string
	name     string
	started  bool
	extended time.Time
	n        int64
}

func newDownload(c echo.Context, ctype, name string) *download {
	// (The read deadline needs nothing: once the form is read, net/http clears it
	// and only a client that goes away cancels the request.)
	return &download{c: c, rc: http.NewResponseController(c.Response()), ctype: ctype, name: name}
}

func (d *download) Write(p []byte) (int, error) {
	if !d.started {
		h := d.c.Response().Header()
		h.Set(echo.HeaderContentType, d.ctype)
		h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": d.name}))
		h.Set("Cache-Control", "no-store")
		d.c.Response().WriteHeader(http.StatusOK)
		d.started = true
	}
	if now := time.Now(); now.Sub(d.extended) > 10*time.Second {
		_ = d.rc.SetWriteDeadline(now.Add(downloadStall))
		d.extended = now
	}
	n, err := d.c.Response().Write(p)
	d.n += int64(n)
	return n, err
}

// finish ends the download. An error before the first byte is returned, for the
// error page. After it, the client already has part of the file: the error is
// logged and the connection dropped, so that the browser reports the download as
// failed instead of keeping a truncated file as if it were whole.
func (s *Server) finishDownload(d *download, what string, err error) error {
	if err == nil {
		return nil
	}
	if !d.started {
		return err
	}
	if errors.Is(err, context.Canceled) {
		s.log.Info(what+" stopped: the client went away", append(logAttrs(d.c), "file", d.name, "bytes_sent", d.n)...)
		return nil
	}
	s.log.Error(what+" failed after streaming began; the client has an incomplete file",
		append(logAttrs(d.c), "file", d.name, "bytes_sent", d.n, "err", err)...)
	if conn, _, herr := d.rc.Hijack(); herr == nil {
		conn.Close()
	}
	return nil
}

// submittedScope resolves the scope a download form was sent with. answered is
// true when the answer is given already: the export page again, with the form's
// errors.
func (s *Server) submittedScope(c echo.Context, form url.Values) (v *exportView, sc exportScope, answered bool, err error) {
	if v, sc, err = s.exportContext(c, form); err != nil {
		return v, sc, true, err
	}
	if len(v.Errors) > 0 {
		return v, sc, true, s.renderExportPage(c, v, http.StatusBadRequest)
	}
	return v, sc, false, nil
}

// exportPack streams the evidence pack of the submitted scope.
func (s *Server) exportPack(c echo.Context) error {
	ctx := c.Request().Context()
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	v, sc, answered, err := s.submittedScope(c, form)
	if answered {
		return err
	}
	lang, contacts := downloadOptions(c)
	if contacts && state(c).bearer {
		return s.forbidden(c)
	}
	doc, err := s.statsDocument(ctx, sc.Stats)
	if err != nil {
		return scopeHTTPError(err)
	}
	now := s.store.Now()
	opt := report.PackOptions{Election: v.Election, Scope: sc.Pack, Tr: i18n.New(lang), Stats: doc,
		IncludeContacts: contacts, CreatedAt: now}
	opt.FileName = report.PackFileName(v.Election.Code, sc.Pack, now)
	if opt.Discrepancies, err = results.NewService(s.store).ForPack(ctx, v.Election.ID, sc.Pack); err != nil {
		return err
	}
	d := newDownload(c, "application/zip", opt.FileName)
	start := time.Now()
	sum, err := s.store.WriteEvidencePack(ctx, d, *state(c).user, opt)
	if err == nil {
		s.log.Info("evidence pack exported", append(logAttrs(c), "file", sum.FileName, "incidents", sum.Incidents,
			"evidence_files", sum.EvidenceFiles, "bytes", sum.Bytes, "ms", time.Since(start).Milliseconds(),
			"contacts", contacts)...)
	}
	return s.finishDownload(d, "evidence pack", err)
}

// exportIncidents streams the incidents of the submitted scope as CSV or JSON.
func (s *Server) exportIncidents(c echo.Context) error {
	ctx := c.Request().Context()
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	format := form.Get("format")
	if format != report.FormatCSV && format != report.FormatJSON {
		return echo.NewHTTPError(http.StatusBadRequest, "format: use csv or json")
	}
	v, sc, answered, err := s.submittedScope(c, form)
	if answered {
		return err
	}
	lang, contacts := downloadOptions(c)
	if contacts && state(c).bearer {
		return s.forbidden(c)
	}
	ctype := "text/csv; charset=utf-8"
	if format == report.FormatJSON {
		ctype = echo.MIMEApplicationJSONCharsetUTF8
	}
	d := newDownload(c, ctype, incidentsFileName(v.Election.Code, sc.Pack, s.store.Now(), format))
	opt := report.ExportOptions{Election: v.Election, Tr: i18n.New(lang), IncludeContacts: contacts}
	_, err = s.store.ExportIncidents(ctx, d, format, sc.Pack.Filter, opt, *state(c).user)
	return s.finishDownload(d, "incident export", err)
}

// incidentsFileName is incidents-<election>-<scope>-<time>.<csv|json>: the pack's
// name with the pack's safe spelling of the election and scope.
func incidentsFileName(electionCode string, scope report.PackScope, at time.Time, format string) string {
	name := strings.TrimSuffix(strings.TrimPrefix(report.PackFileName(electionCode, scope, at), "evidence-"), ".zip")
	return "incidents-" + name + "." + format
}
