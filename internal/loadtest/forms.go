package loadtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// formLayout is how a datetime-local input sends a time (in the station's zone).
const formLayout = "2006-01-02T15:04"

// formObserver files through the HTML forms with a signed-in browser: it loads the
// form (for its CSRF token and the client_id the page carries), then posts it, as a
// phone without JavaScript does.
type formObserver struct {
	*observer
	browser *http.Client
	zone    *time.Location
	forms   int
}

func newFormObserver(ctx context.Context, o *observer) (worker, error) {
	w := &formObserver{observer: o, browser: o.p.sessionClient(), zone: stationZone()}
	if err := o.p.login(ctx, w.browser, o.acc); err != nil {
		return nil, err
	}
	return w, nil
}

// stationZone is the zone the fixture's stations declare, as the server reads it.
func stationZone() *time.Location {
	loc, err := time.LoadLocation("Asia/Almaty")
	if err != nil {
		return time.UTC
	}
	return loc
}

var (
	clientIDRe = regexp.MustCompile(`name="client_id" value="([^"]+)"`)
	ackRe      = regexp.MustCompile(`name="ack_checks" value="([^"]*)"`)
	locationID = regexp.MustCompile(`^/observations/(\d+)$`)
)

func (w *formObserver) step(ctx context.Context) error {
	gen, base, err := w.p.gate.enter(ctx)
	if err != nil {
		return nil
	}
	if w.next(ctx, gen, base) {
		return nil
	}
	station := w.station()
	// An incident with a photo first, then a counting form, then at random (so
	// that even a run of a few seconds sends both forms).
	observation := w.forms == 1 || (w.forms > 1 && w.rnd.IntN(100) < 70)
	w.forms++
	path := "/incidents/new?" + url.Values{"station": {station}, "phase": {"counting"}}.Encode()
	if observation {
		path = "/observations/new?" + url.Values{"station": {station}, "phase": {"counting"}}.Encode()
	}
	rs, out := w.p.send(ctx, gen, base, request{kind: KindFormPage, method: http.MethodGet, path: path, client: w.browser, want: []int{http.StatusOK}})
	if out != succeeded {
		return nil
	}
	csrf, err := scrapeCSRF(rs.body)
	m := clientIDRe.FindSubmatch(rs.body)
	if err != nil || m == nil {
		w.p.rec.Fail(KindFormPage, fmt.Errorf("%s: no CSRF token or client_id in the form", path))
		return nil
	}
	clientID := htmlUnescape(string(m[1]))
	if observation {
		w.submit(ctx, gen, base, w.observationForm(newCountingForm(w.rnd, clientID, station), csrf))
	} else {
		w.submit(ctx, gen, base, w.incidentForm(newIncident(w.rnd, clientID, station), csrf, newPhoto(w.rnd)))
	}
	return nil
}

// inZone turns an RFC 3339 time into the minute a person types in the station's zone,
// and the same instant in RFC 3339 (what the database must then hold).
func (w *formObserver) inZone(rfc string) (local, stored string) {
	t, _ := time.Parse(time.RFC3339, rfc)
	t = t.In(w.zone).Truncate(time.Minute)
	return t.Format(formLayout), t.Format(time.RFC3339)
}

func (w *formObserver) observationForm(o Observation, csrf string) *submission {
	f := url.Values{"csrf": {csrf}, "client_id": {o.ClientID}, "phase": {o.Phase}, "station": {o.Station},
		"assessment": {o.Assessment}, "notes": {o.Notes}, "action": {"submit"}}
	var local string
	local, o.ArrivedAt = w.inZone(o.ArrivedAt)
	f.Set("arrived_at", local)
	local, o.LeftAt = w.inZone(o.LeftAt)
	f.Set("left_at", local)
	for q, a := range o.Answers {
		f.Set("q."+q, a)
	}
	p := o.Protocol
	for code, v := range map[string]int64{"registered_voters": p.RegisteredVoters, "ballots_received": p.BallotsReceived,
		"voters_voted": p.VotersVoted, "homebound_requests": p.HomeboundRequests, "ballots_stationary": p.BallotsStationary,
		"ballots_mobile": p.BallotsMobile, "ballots_invalid": p.BallotsInvalid, "ballots_cancelled": p.BallotsCancelled} {
		f.Set("fig."+code, strconv.FormatInt(v, 10))
	}
	for code, n := range p.Votes {
		f.Add("vote_code", code)
		f.Add("vote_count", strconv.FormatInt(n, 10))
	}
	s := &submission{rq: request{kind: KindFormObservation, method: http.MethodPost, path: "/observations", client: w.browser,
		ctype: "application/x-www-form-urlencoded", body: []byte(f.Encode()), want: []int{http.StatusSeeOther, http.StatusUnprocessableEntity}}}
	s.ack = func(rs response) error {
		if rs.status == http.StatusUnprocessableEntity {
			// The protocol checks flagged the figures: the page shows the warnings
			// and the observer presses "save anyway", which sends back their codes.
			m := ackRe.FindSubmatch(rs.body)
			if m == nil || f.Get("ack_checks") != "" {
				return fmt.Errorf("form refused: %s", snippet(rs.body))
			}
			f.Set("ack_checks", htmlUnescape(string(m[1])))
			s.rq.body = []byte(f.Encode())
			w.queue = append([]*submission{s}, w.queue...)
			return nil
		}
		m := locationID.FindStringSubmatch(rs.header.Get("Location"))
		if m == nil {
			return fmt.Errorf("form answered with a redirect to %q, not to the saved observation", rs.header.Get("Location"))
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		w.p.ledger.ackObservation(o, id, KindFormObservation)
		return nil
	}
	return s
}

func (w *formObserver) incidentForm(in Incident, csrf string, photo []byte) *submission {
	var local string
	local, in.OccurredAt = w.inZone(in.OccurredAt)
	f := url.Values{"csrf": {csrf}, "client_id": {in.ClientID}, "station": {in.Station}, "phase": {in.Phase},
		"category": {in.Category}, "occurred_at": {local}, "witnessed": {strconv.FormatBool(in.Witnessed)},
		"description": {in.Description}}
	sum := sha256.Sum256(photo)
	sha := hex.EncodeToString(sum[:])
	ctype, body := multipartFile("evidence", "IMG_"+sha[:6]+".jpg", photo, f)
	return &submission{
		rq: request{kind: KindFormIncident, method: http.MethodPost, path: "/incidents", client: w.browser,
			ctype: ctype, body: body, want: []int{http.StatusSeeOther}},
		ack: func(rs response) error {
			if loc := rs.header.Get("Location"); strings.HasPrefix(loc, "/incidents/new") || strings.HasPrefix(loc, "/login") {
				return fmt.Errorf("form answered with a redirect to %q", loc)
			}
			// The observer is sent back to their page, which names no id: the
			// verifier finds the incident by its client_id.
			w.p.ledger.ackIncident(in, 0, KindFormIncident, "")
			w.p.ledger.ackEvidenceOf(in.ClientID, sha, len(photo))
			return nil
		},
	}
}
