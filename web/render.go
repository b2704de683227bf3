package web

import (
	"errors"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
)

// render writes a component. It renders into a buffer first, so that a template
// failure becomes a clean error page rather than half a page.
func (s *Server) render(c echo.Context, status int, comp templ.Component) error {
	buf := templ.GetBuffer()
	defer templ.ReleaseBuffer(buf)
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(status)
	_, err := c.Response().Write(buf.Bytes())
	return err
}

// APIError is the JSON error body of interfaces.md.
type APIError struct {
	Error APIErrorBody `json:"error"`
}

// APIErrorBody says what went wrong, and for bad input, with which field.
type APIErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields"` // {} when no field is to blame
}

func apiError(c echo.Context, status int, code, msg string, fields map[string]string) error {
	if fields == nil {
		fields = map[string]string{}
	}
	return c.JSON(status, APIError{APIErrorBody{Code: code, Message: msg, Fields: fields}})
}

var statusCodes = map[int]string{
	http.StatusBadRequest: "bad_request", http.StatusUnauthorized: "unauthorized", http.StatusForbidden: "forbidden",
	http.StatusNotFound: "not_found", http.StatusMethodNotAllowed: "method_not_allowed", http.StatusConflict: "conflict",
	http.StatusRequestEntityTooLarge: "too_large", http.StatusTooManyRequests: "too_many_requests",
	http.StatusInternalServerError: "internal",
}

// errorHandler turns any error a handler returns into a page or a JSON error. Internal
// details are logged with the request id, never shown.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	st := state(c)
	status := http.StatusInternalServerError
	msg := ""
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		status = he.Code
		if m, ok := he.Message.(string); ok {
			msg = m
		}
	case errors.Is(err, report.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, report.ErrConflict):
		status = http.StatusConflict
	case errors.Is(err, report.ErrOutOfScope):
		status = http.StatusForbidden
	}
	if status >= 500 {
		s.log.Error("request failed", "request_id", st.id, "path", logPath(c), "err", err)
		msg = ""
	}
	if st.api || isAPIPath(c.Request().URL.Path) {
		code := statusCodes[status]
		if code == "" {
			code = "error"
		}
		if msg == "" {
			msg = http.StatusText(status)
		}
		if msg == "csrf" {
			code, msg = "csrf", "missing or wrong CSRF token"
		}
		_ = apiError(c, status, code, msg, nil)
		return
	}
	key := "error.generic"
	switch status {
	case http.StatusNotFound:
		key = "error.not_found"
	case http.StatusForbidden:
		key = "error.forbidden"
		if msg == "csrf" {
			key = "error.csrf"
		}
	case http.StatusRequestEntityTooLarge:
		key = "error.too_large"
	case http.StatusTooManyRequests:
		key = "error.too_many"
	case http.StatusBadRequest:
		key = "error.bad_request"
	case http.StatusMethodNotAllowed:
		key = "error.not_found"
	}
	// The language switch of an error page leaves the query out: a refusal does not
	// repeat what was asked for (a station code of another region, say).
	st.path = c.Request().URL.Path
	if rerr := s.render(c, status, errorPage(status, key, st.id)); rerr != nil {
		s.log.Error("error page failed", "request_id", st.id, "err", rerr)
		c.NoContent(status)
	}
}

func isAPIPath(p string) bool { return len(p) >= 8 && p[:8] == "/api/v1/" }

// forbidden answers 403. For records, handlers answer 404 instead where a 403 would
// confirm that a record they may not see exists.
func (s *Server) forbidden(c echo.Context) error {
	return echo.NewHTTPError(http.StatusForbidden)
}

// seeOther redirects after a successful POST (post/redirect/get).
func seeOther(c echo.Context, to string) error {
	return c.Redirect(http.StatusSeeOther, to)
}
