package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/replica"
	"github.com/observerkz/observer/internal/report"
)

// epochHeader is the name of the header on every answer, pages and API alike: an
// id that changes the first time serve opens a database made by restore or
// standby. Clients that see it change send again what they kept.
const epochHeader = "Observer-Epoch"

// resendHeader marks a form the phone's outbox sends again after the epoch
// changed. Its answer then names the record (a redirect to its page), also when the
// server holds that client_id with other content (edited since): the phone sends
// the record's files to the id that answer gives, and corrects ids it kept from
// the old server, which may name nothing here.
const resendHeader = "Observer-Resend"

func resent(c echo.Context) bool { return c.Request().Header.Get(resendHeader) != "" }

// resentEditOfUnknown says whether a failed look-up is of a record this server
// does not hold under that id, in an edit the phone sends again after a takeover.
// The replica had neither the record nor the edit (both made in the seconds the
// takeover lost), and the phone did not learn the record's new id (an incident's
// answer leads to My work, not to the incident). The edit form names its record
// by its own client_id (record_client_id): the edit goes to that record here
// (the phone sends records before edits), or, if the server has no such record,
// is taken as the record itself, anew under that client_id; an edit form carries
// every field. Another account's record is not unknown: its id answers 404, and so
// does an edit form without record_client_id (a page from an older version).
func resentEditOfUnknown(c echo.Context, err error) bool {
	return resent(c) && errors.Is(err, report.ErrNotFound) && strings.TrimSpace(c.FormValue("record_client_id")) != ""
}

// recordOfResentEdit finds, in the current election, the record a re-sent edit
// names by its record_client_id (find reads it, owner says whose it is). found
// false means this server has none: the form is then saved as that record, anew,
// under that client_id (the form's client_id is set to it). Another account's
// record is a 404, as its id would be.
func recordOfResentEdit[R any](s *Server, c echo.Context, find func(context.Context, int64, string) (R, error), owner func(R) int64) (r R, found bool, err error) {
	el, err := s.currentElection(c)
	if err != nil {
		return r, false, err
	}
	rc := strings.TrimSpace(c.FormValue("record_client_id"))
	if form, err := c.FormParams(); err == nil {
		form.Set("client_id", rc)
	}
	r, err = find(c.Request().Context(), el.ID, rc)
	switch {
	case errors.Is(err, report.ErrNotFound):
		return r, false, nil
	case err != nil:
		return r, false, err
	case owner(r) != state(c).user.ID:
		return r, false, echo.NewHTTPError(http.StatusNotFound)
	}
	return r, true, nil
}

// Replication is the running replica, when serve --replicate started one.
type Replication interface {
	Status() replica.Status
}

// epochValue is the header's value, made once per epoch rather than per answer.
type epochValue struct {
	cur atomic.Pointer[[]string]
}

func (e *epochValue) get(epoch string) []string {
	if v := e.cur.Load(); v != nil && (*v)[0] == epoch {
		return *v
	}
	v := []string{epoch}
	e.cur.Store(&v)
	return v
}

// continuityView is the admin page's part on replication and checks.
type continuityView struct {
	Epoch        string
	Replicating  bool
	URL          string
	Lag          int // seconds
	Behind       bool
	Position     string
	Local        string
	Pending      int
	PendingFirst []string
	LastError    string
	CheckAt      string
	CheckNote    string
	DataDir      string
}

func (s *Server) continuityView(ctx context.Context) (continuityView, error) {
	c, err := s.store.Continuity(ctx)
	if err != nil {
		return continuityView{}, err
	}
	v := continuityView{Epoch: c.Epoch, CheckNote: c.CheckNote, DataDir: s.store.DataDir()}
	if !c.CheckAt.IsZero() {
		v.CheckAt = c.CheckAt.Format(time.RFC3339)
	}
	if s.cfg.Replication != nil {
		st := s.cfg.Replication.Status()
		v.Replicating, v.URL, v.LastError = true, st.URL, st.LastError
		v.Lag = int(st.Lag / time.Second)
		v.Behind = st.Lag > replica.LagAlert
		v.Position, v.Local = strconv.FormatUint(st.Position, 10), strconv.FormatUint(st.Local, 10)
		v.Pending = len(st.EvidencePending)
		if len(st.EvidencePending) > 5 {
			st.EvidencePending = st.EvidencePending[:5]
		}
		v.PendingFirst = st.EvidencePending
	}
	return v, nil
}
