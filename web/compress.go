package web

import (
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// compress gzips responses for clients that accept it. On a weak 3G link a page
// of 20 KB becomes 5 KB; that is most of the time an observer waits.
func (s *Server) compress() echo.MiddlewareFunc {
	return middleware.GzipWithConfig(middleware.GzipConfig{
		// Speed 5 gives nearly all of the size gain of 9 at a third of the CPU.
		Level: 5,
		// Below ~1 KB the gzip header and lost Content-Length cost more than they save.
		MinLength: 1024,
		Skipper:   skipCompression,
	})
}

// precompressed are file types whose bytes are already compressed: gzipping them
// again costs CPU and gains nothing.
var precompressed = map[string]bool{
	".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true, ".heic": true,
	".mp4": true, ".mov": true, ".webm": true, ".m4a": true, ".mp3": true, ".ogg": true,
	".zip": true, ".gz": true, ".pdf": true, ".xlsx": true, ".woff2": true,
}

// skipCompression leaves out range requests (a gzipped 206 would not match its
// Content-Range) and downloads of evidence files, packs and exports, which are
// binary, often large, and streamed.
func skipCompression(c echo.Context) bool {
	r := c.Request()
	if r.Header.Get("Range") != "" || r.Method == "HEAD" {
		return true
	}
	p := r.URL.Path
	if precompressed[strings.ToLower(path.Ext(p))] {
		return true
	}
	if r.Method == http.MethodPost && (isAPIPath(p) || strings.HasPrefix(p, "/intake/")) {
		return true // an API submission's or a gateway's answer is a few bytes: {"id":…}
	}
	return strings.Contains(p, "/evidence/") || strings.HasPrefix(p, "/export") ||
		(strings.HasPrefix(p, "/api/v1/") && strings.Contains(p, "/export"))
}
