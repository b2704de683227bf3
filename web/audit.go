package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/report"
)

const auditPageSize = 100

// auditView is one page of the audit log, newest first, and the chain check when asked.
type auditView struct {
	Entries []report.AuditEntry
	Older   string
	Newest  bool
	// Checked is set when the chain was checked: how many entries were found intact,
	// and the first broken link, if any.
	Checked  bool
	Count    int
	Broken   *report.ChainError
	BrokenAt string // link to the page that starts with the broken entry
}

func (s *Server) auditPage(c echo.Context) error {
	ctx := c.Request().Context()
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	v := &auditView{Newest: before == 0}
	if c.QueryParam("verify") != "" {
		// Re-hashing is a read of the whole log: only when asked.
		n, err := s.store.VerifyAuditChain(ctx)
		var ce *report.ChainError
		switch {
		case errors.As(err, &ce):
			v.Broken = ce
			v.BrokenAt = "/admin/audit?before=" + strconv.FormatInt(ce.EntryID+1, 10) + "#entry-" + strconv.FormatInt(ce.EntryID, 10)
		case err != nil:
			return err
		}
		v.Checked, v.Count = true, n
	}
	var err error
	if v.Entries, err = s.store.AuditLog(ctx, before, auditPageSize+1); err != nil {
		return err
	}
	if len(v.Entries) > auditPageSize {
		v.Entries = v.Entries[:auditPageSize]
		v.Older = "/admin/audit?before=" + strconv.FormatInt(v.Entries[auditPageSize-1].ID, 10)
	}
	return s.render(c, http.StatusOK, auditLogPage(v))
}

// isBroken marks the entry the chain check stopped at.
func (v *auditView) isBroken(e report.AuditEntry) bool {
	return v.Broken != nil && v.Broken.EntryID == e.ID
}
