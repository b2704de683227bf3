package loadtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// The kinds of request in the report.
const (
	KindAPIObservation  Kind = "api observation"
	KindAPIIncident     Kind = "api incident"
	KindAPIEvidence     Kind = "api evidence (jpeg)"
	KindAPIResend       Kind = "api resend (same id)"
	KindFormPage        Kind = "form page (GET)"
	KindFormObservation Kind = "form observation"
	KindFormIncident    Kind = "form incident (+jpeg)"
	KindDashboard       Kind = "dashboard page"
	KindAPIStats        Kind = "api stats"
	KindAPIIncidentList Kind = "api incident list"
	KindFloor           Kind = "floor insert"
)

// submitKinds are the durable writes: each answered only after its data is on disk.
var submitKinds = []Kind{KindAPIObservation, KindAPIIncident, KindAPIEvidence, KindFormObservation, KindFormIncident}

// readKinds are the coordinators' refreshes.
var readKinds = []Kind{KindDashboard, KindAPIStats, KindAPIIncidentList}

// submission is a write a client keeps until it is acknowledged: when the server is
// killed mid-call, the client sends it again, unchanged, once the server is back.
type submission struct {
	rq     request
	ack    func(rs response) error
	retry  bool // interrupted once: sent again, unchanged
	resend bool // a deliberate repeat of an acknowledged form
}

// observer is the part every observer client shares: its account, its randomness,
// and the submissions waiting to be (re)sent.
type observer struct {
	p     *phase
	acc   Account
	name  string // client id prefix, unique in the run
	rnd   *rand.Rand
	seq   int
	queue []*submission // follow-ups (evidence after its incident) and interrupted calls
	sent  []Observation // a few acknowledged forms, to send again (a lost answer)
	ids   []int64
}

func newObserver(p *phase, acc Account, name string, seed uint64) *observer {
	return &observer{p: p, acc: acc, name: name, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (o *observer) nextClientID() string {
	o.seq++
	return o.name + "-" + strconv.Itoa(o.seq)
}

func (o *observer) station() string { return o.acc.Stations[o.rnd.IntN(len(o.acc.Stations))] }

// submit sends s; on interruption it is queued to be sent again with the same body.
func (o *observer) submit(ctx context.Context, gen int64, base string, s *submission) {
	rs, out := o.p.send(ctx, gen, base, s.rq)
	switch out {
	case interrupted:
		if s.resend {
			return // it was acknowledged before; nothing to settle
		}
		// A retry may find the first attempt committed (200) or not (201): both fine.
		s.retry = true
		if slices.Contains(s.rq.want, http.StatusCreated) && !slices.Contains(s.rq.want, http.StatusOK) {
			s.rq.want = append(s.rq.want, http.StatusOK)
		}
		o.queue = append(o.queue, s)
	case succeeded:
		if err := s.ack(rs); err != nil {
			o.p.rec.Fail(s.rq.kind, err)
		}
	}
}

// next sends the oldest queued submission, if any.
func (o *observer) next(ctx context.Context, gen int64, base string) bool {
	if len(o.queue) == 0 {
		return false
	}
	s := o.queue[0]
	o.queue = o.queue[1:]
	o.submit(ctx, gen, base, s)
	return true
}

// retries keeps only the interrupted calls (follow-ups never sent are dropped: the
// run is over) for the drain after the run.
func (o *observer) retries() []*submission {
	var out []*submission
	for _, s := range o.queue {
		if s.retry {
			out = append(out, s)
		}
	}
	return out
}

// decodeID reads the id of a submission's answer. The server's usual answer,
// {"id":N} and a newline, is read without encoding/json: the load generator
// shares the machine's two cores with the server, and every microsecond it spends
// is one the server does not get. Anything else goes through encoding/json.
func decodeID(rs response) (int64, error) {
	if b, ok := bytes.CutPrefix(rs.body, []byte(`{"id":`)); ok {
		if b, ok = bytes.CutSuffix(b, []byte("}\n")); ok {
			if id, err := strconv.ParseInt(string(b), 10, 64); err == nil && id > 0 && b[0] != '+' {
				return id, nil
			}
		}
	}
	var v struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(rs.body, &v); err != nil || v.ID <= 0 {
		return 0, fmt.Errorf("no id in the answer %q", snippet(rs.body))
	}
	return v.ID, nil
}

func (o *observer) observationSubmission(form Observation) *submission {
	return &submission{
		rq: request{kind: KindAPIObservation, method: http.MethodPost, path: "/api/v1/elections/" + o.p.fx.Election + "/observations",
			ctype: "application/json", body: mustJSON(form), token: o.acc.Token, want: []int{http.StatusCreated}},
		ack: func(rs response) error {
			id, err := decodeID(rs)
			if err != nil {
				return err
			}
			o.p.ledger.ackObservation(form, id, KindAPIObservation)
			if len(o.sent) < 8 {
				o.sent, o.ids = append(o.sent, form), append(o.ids, id)
			}
			return nil
		},
	}
}

func (o *observer) incidentSubmission(in Incident, photos int) *submission {
	return &submission{
		rq: request{kind: KindAPIIncident, method: http.MethodPost, path: "/api/v1/elections/" + o.p.fx.Election + "/incidents",
			ctype: "application/json", body: mustJSON(in), token: o.acc.Token, want: []int{http.StatusCreated}},
		ack: func(rs response) error {
			id, err := decodeID(rs)
			if err != nil {
				return err
			}
			o.p.ledger.ackIncident(in, id, KindAPIIncident, o.acc.Token)
			for range photos {
				o.queue = append(o.queue, o.evidenceSubmission(id, newPhoto(o.rnd)))
			}
			return nil
		},
	}
}

func (o *observer) evidenceSubmission(incidentID int64, photo []byte) *submission {
	sum := sha256.Sum256(photo)
	sha := hex.EncodeToString(sum[:])
	ctype, body := multipartFile("file", "photo-"+sha[:8]+".jpg", photo, nil)
	return &submission{
		rq: request{kind: KindAPIEvidence, method: http.MethodPost, path: "/api/v1/incidents/" + strconv.FormatInt(incidentID, 10) + "/evidence",
			ctype: ctype, body: body, token: o.acc.Token, want: []int{http.StatusCreated}},
		ack: func(rs response) error {
			var v struct {
				SHA256 string `json:"sha256"`
			}
			if err := json.Unmarshal(rs.body, &v); err != nil || v.SHA256 != sha {
				return fmt.Errorf("evidence answer %q does not name the file sent (%s)", snippet(rs.body), sha)
			}
			o.p.ledger.ackEvidence(incidentID, sha, len(photo))
			return nil
		},
	}
}

// resendSubmission sends an acknowledged form again, as a phone does when the answer
// was lost: the server must answer 200 with the same id and store nothing new.
func (o *observer) resendSubmission(i int) *submission {
	form, id := o.sent[i], o.ids[i]
	s := o.observationSubmission(form)
	s.rq.kind, s.rq.want, s.resend = KindAPIResend, []int{http.StatusOK}, true
	s.ack = func(rs response) error {
		got, err := decodeID(rs)
		if err != nil {
			return err
		}
		if got != id {
			return fmt.Errorf("resent observation %s answered with id %d, first %d", form.ClientID, got, id)
		}
		return nil
	}
	return s
}

// multipartFile builds a multipart body with one file and some fields.
func multipartFile(field, name string, data []byte, fields url.Values) (ctype string, body []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name=%q; filename=%q`, field, name)}
	h["Content-Type"] = []string{"image/jpeg"}
	fw, _ := mw.CreatePart(h)
	fw.Write(data)
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// apiObserver files through the JSON API, as the offline queue of the phone app does.
type apiObserver struct {
	*observer
	onlyForms bool // the submit-only phase: counting forms and nothing else
}

func (w *apiObserver) step(ctx context.Context) error {
	gen, base, err := w.p.gate.enter(ctx)
	if err != nil {
		return nil
	}
	if w.next(ctx, gen, base) {
		return nil
	}
	r, photos := w.rnd.IntN(100), 0
	// Two incidents in three come with a photo.
	if w.rnd.IntN(3) > 0 {
		photos = 1
	}
	if w.seq == 0 && !w.onlyForms {
		// Every client starts with an incident and its photo, so that even a run of
		// a few seconds has sent every kind of submission.
		r, photos = 90, 1
	}
	switch {
	case w.onlyForms || r < 65:
		w.submit(ctx, gen, base, w.observationSubmission(newCountingForm(w.rnd, w.nextClientID(), w.station())))
	case r < 92:
		w.submit(ctx, gen, base, w.incidentSubmission(newIncident(w.rnd, w.nextClientID(), w.station()), photos))
	case len(w.sent) > 0:
		w.submit(ctx, gen, base, w.resendSubmission(w.rnd.IntN(len(w.sent))))
	}
	return nil
}

// coordinator refreshes the dashboard and pulls statistics and incident lists,
// pausing between refreshes (none: a closed loop, the harshest read load).
type coordinator struct {
	p       *phase
	acc     Account
	browser *http.Client
	rnd     *rand.Rand
	pause   time.Duration
	n       int
}

func (w *coordinator) step(ctx context.Context) error {
	gen, base, err := w.p.gate.enter(ctx)
	if err != nil {
		return nil
	}
	el := w.p.fx.Election
	var rq request
	r := w.rnd.IntN(10)
	if w.n < 3 {
		r = []int{0, 4, 8}[w.n] // each kind of read once first (short runs see them all)
	}
	w.n++
	switch {
	case r < 4:
		rq = request{kind: KindDashboard, method: http.MethodGet, path: "/dashboard", client: w.browser}
	case r < 8:
		rq = request{kind: KindAPIStats, method: http.MethodGet, path: "/api/v1/elections/" + el + "/stats", token: w.acc.Token}
	default:
		rq = request{kind: KindAPIIncidentList, method: http.MethodGet, path: "/api/v1/elections/" + el + "/incidents", token: w.acc.Token}
	}
	rq.want = []int{http.StatusOK}
	w.p.send(ctx, gen, base, rq)
	if w.pause > 0 {
		// ±50%, so that the coordinators do not refresh in step.
		t := time.NewTimer(w.pause/2 + time.Duration(w.rnd.Int64N(int64(w.pause))))
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
	return nil
}

// floorClient posts the same counting forms to the floor server.
type floorClient struct {
	p    *phase
	name string
	rnd  *rand.Rand
	seq  int
}

func (w *floorClient) step(ctx context.Context) error {
	gen, base, err := w.p.gate.enter(ctx)
	if err != nil {
		return nil
	}
	w.seq++
	form := newCountingForm(w.rnd, w.name+"-"+strconv.Itoa(w.seq), w.p.fx.Stations[w.rnd.IntN(len(w.p.fx.Stations))])
	w.p.send(ctx, gen, base, request{kind: KindFloor, method: http.MethodPost, path: "/submit", ctype: "application/json",
		body: mustJSON(form), want: []int{http.StatusCreated}})
	return nil
}
