package web

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/replica"
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
