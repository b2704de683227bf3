package web

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/static"
	"github.com/observerkz/observer/web/i18n"
)

// serviceWorker serves static/js/sw.js at /sw.js: a worker controls only the paths
// under its own URL, and it must control every page. no-cache makes the browser
// check for a new version on every visit rather than keep an old worker for a day.
func (s *Server) serviceWorker(c echo.Context) error {
	b, err := fs.ReadFile(static.FS, "js/sw.js")
	if err != nil {
		return fmt.Errorf("unable to read the service worker: %w", err)
	}
	h := c.Response().Header()
	h.Set("Service-Worker-Allowed", "/")
	h.Set("Cache-Control", "no-cache")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", b)
}

func (s *Server) offlinePage(c echo.Context) error {
	return s.render(c, http.StatusOK, offlinePage())
}

// offlineStringsJSON is the "offline" area of the catalogue in each language, as
// the message files have it (plural forms as objects), built once.
var offlineStringsJSON = sync.OnceValues(func() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, lang := range i18n.Languages {
		raw, err := fs.ReadFile(i18n.Files(), "offline."+lang+".json")
		if err != nil {
			return nil, fmt.Errorf("unable to read the offline strings for %s: %w", lang, err)
		}
		var msgs map[string]json.RawMessage
		if err := json.Unmarshal(raw, &msgs); err != nil {
			return nil, fmt.Errorf("unable to parse the offline strings for %s: %w", lang, err)
		}
		b, err := json.Marshal(struct {
			Lang    string                     `json:"lang"`
			Strings map[string]json.RawMessage `json:"strings"`
		}{lang, msgs})
		if err != nil {
			return nil, err
		}
		out[lang] = b
	}
	return out, nil
})

// offlineStrings gives the queue's script its words, in ?lang= or the page's language.
// They are the same for everyone, so the worker may keep them for use offline.
func (s *Server) offlineStrings(c echo.Context) error {
	all, err := offlineStringsJSON()
	if err != nil {
		return err
	}
	lang := state(c).lang
	if l := c.QueryParam("lang"); l != "" {
		lang = i18n.Match(l)
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.JSONBlob(http.StatusOK, all[lang])
}

// offlineState tells the queue who is signed in now and with which CSRF token, so a
// submission saved earlier is sent with a valid token, and only under the account
// that filed it. It is never cached (the worker does not touch it either).
func (s *Server) offlineState(c echo.Context) error {
	st := state(c)
	out := struct {
		User int64  `json:"user"`
		Role string `json:"role,omitempty"`
		CSRF string `json:"csrf,omitempty"`
	}{}
	if st.user != nil && !st.needsMFA() {
		out.User, out.Role, out.CSRF = st.user.ID, string(st.user.Role), st.csrf
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}
