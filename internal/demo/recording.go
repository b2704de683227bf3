package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// The recording generator files what the demo's observers saw on election day:
// an opening form, several voting visits, a count and sometimes the tabulation,
// with incidents attached where the forms found problems, plus reports phoned in
// to the hotline. The shares resemble OSCE/ODIHR findings (statistics.md): the
// count negatively assessed in about half of the forms, mobile-box ballots over the
// requests in about 80% of counts where answered, ballots over voters in about 9%.

func init() { Register("recording", recording) }

// recGen holds the generator's state while it plans the day.
type recGen struct {
	w        *World
	rng      *rand.Rand
	day      time.Time // the election day's date (its zone is irrelevant: each station has its own)
	now      time.Time
	byRegion map[string][]report.Station
	obs      []report.NumberedObservation
	reported []report.Incident
	nObs     int
	nInc     int // incidents planned
	lastID   int // the last incident client_id number handed out
}

func (g *recGen) incidentID() string {
	g.lastID++
	return fmt.Sprintf("demo-i-%06d", g.lastID)
}

func recording(ctx context.Context, w *World) error {
	day, err := time.Parse("2006-01-02", w.Election.Date)
	if err != nil {
		return fmt.Errorf("election date %q: %w", w.Election.Date, err)
	}
	g := &recGen{w: w, rng: w.Rand, day: day, now: time.Now(), byRegion: map[string][]report.Station{}}
	for _, st := range w.Stations {
		g.byRegion[st.RegionCode] = append(g.byRegion[st.RegionCode], st)
	}
	for i := range w.Observers {
		g.observerDay(&w.Observers[i])
	}
	target := w.Options.Incidents
	if target == 0 {
		target = 300
	}
	g.trimAttached(target * 3 / 4)
	for g.nInc < target {
		g.hotline()
	}
	for start := 0; start < len(g.obs); start += 1000 {
		end := min(start+1000, len(g.obs))
		res, err := w.Store.SaveObservations(ctx, w.Election.ID, g.obs[start:end], actor)
		if err != nil {
			return err
		}
		if res.Rejected > 0 {
			return fmt.Errorf("%d demo forms rejected: %v", res.Rejected, res.Rejections)
		}
	}
	if len(g.reported) > 0 {
		if _, _, err := w.Store.SaveIncidents(ctx, w.Election.ID, g.reported, actor); err != nil {
			return err
		}
	}
	return g.decide(ctx)
}

// localDay is the election day at hh:mm in the station's zone, plus extra minutes.
func (g *recGen) at(st report.Station, hh, mm int) time.Time {
	return time.Date(g.day.Year(), g.day.Month(), g.day.Day(), hh, mm, 0, 0, st.Location())
}

func (g *recGen) minutes(lo, hi int) time.Duration {
	return time.Duration(lo+g.rng.IntN(hi-lo+1)) * time.Minute
}

// observerDay plans one observer's forms.
func (g *recGen) observerDay(o *Observer) {
	stations := o.Stations
	region := ""
	if len(stations) > 0 {
		region = stations[0].RegionCode
	} else {
		st := g.w.Stations[g.rng.IntN(len(g.w.Stations))]
		stations, region = []report.Station{st}, st.RegionCode
	}
	pick := func(i int) report.Station {
		if i < len(stations) {
			return stations[i]
		}
		pool := g.byRegion[region]
		return pool[g.rng.IntN(len(pool))]
	}
	first := stations[0]
	arr := g.at(first, 7, 10).Add(g.minutes(0, 30))
	g.form(o, first, report.PhaseOpening, arr, arr.Add(g.minutes(45, 80)))

	visits := 3 + g.rng.IntN(4)
	t := g.at(first, 8, 30).Add(g.minutes(0, 40))
	last := first
	for v := 0; v < visits; v++ {
		st := pick(1 + v)
		stay := g.minutes(30, 70)
		g.form(o, st, report.PhaseVoting, t, t.Add(stay))
		t = t.Add(stay + g.minutes(20, 50))
		last = st
		if t.After(g.at(st, 19, 0)) {
			break
		}
	}
	arr = g.at(last, 19, 40).Add(g.minutes(0, 15))
	g.form(o, last, report.PhaseCounting, arr, arr.Add(g.minutes(140, 290)))
	if g.rng.Float64() < 0.25 {
		st := pick(len(stations) + 1)
		arr = g.at(st, 23, 50).Add(g.minutes(20, 180))
		g.form(o, st, report.PhaseTabulation, arr, arr.Add(g.minutes(60, 200)))
	}
}

// form adds one observation with its answers, figures and incidents.
func (g *recGen) form(o *Observer, st report.Station, phase report.Phase, arrived, left time.Time) {
	if left.After(g.now) {
		return // the demo's election day has not happened yet
	}
	g.nObs++
	ob := report.Observation{
		ElectionID: g.w.Election.ID, ClientID: fmt.Sprintf("demo-o-%06d", g.nObs), StationID: st.ID, Station: st,
		Phase: phase, ObserverID: o.ID, ObserverCode: o.Code, ArrivedAt: &arrived, LeftAt: &left,
		State: report.StateSubmitted,
	}
	if o.User != nil {
		ob.UserID = o.User.ID
	}
	if g.rng.Float64() < 0.02 {
		ob.State = report.StateDraft
	}
	ob.Answers = g.answers(phase)
	ob.Assessment = g.assessment(phase)
	if phase == report.PhaseCounting {
		ob.Protocol = g.protocol(st, ob.Answers)
	}
	ob.Incidents = g.attached(ob, arrived, left)
	g.obs = append(g.obs, report.NumberedObservation{Line: len(g.obs) + 1, Observation: ob})
}

// trimAttached keeps at most n of the incidents attached to forms, dropping at
// random (a form still counts its problem answers without an incident).
func (g *recGen) trimAttached(n int) {
	total := 0
	for _, r := range g.obs {
		total += len(r.Observation.Incidents)
	}
	if total <= n {
		return
	}
	keep := float64(n) / float64(total)
	g.nInc = 0
	for i := range g.obs {
		ob := &g.obs[i].Observation
		var kept []report.Incident
		for _, in := range ob.Incidents {
			if g.rng.Float64() < keep && g.nInc < n {
				kept = append(kept, in)
				g.nInc++
			}
		}
		ob.Incidents = kept
	}
}

// hotline adds an incident a voter reported by phone: not witnessed, no form.
func (g *recGen) hotline() {
	st := g.w.Stations[g.rng.IntN(len(g.w.Stations))]
	code := hotlineCategories[g.rng.IntN(len(hotlineCategories))]
	cat, _ := report.CategoryByCode(code)
	phase := cat.Phase
	if phase == report.PhaseAny {
		phase = report.PhaseVoting
	}
	start, end := g.phaseWindow(st, phase)
	at := start.Add(time.Duration(g.rng.Int64N(int64(end.Sub(start)))))
	g.nInc++
	if at.After(g.now) {
		return
	}
	g.reported = append(g.reported, report.Incident{
		ElectionID: g.w.Election.ID, ClientID: g.incidentID(), StationID: st.ID, Station: st,
		Phase: phase, Category: code, OccurredAt: at, Witnessed: false, Description: g.description(code, false),
	})
}

func (g *recGen) phaseWindow(st report.Station, p report.Phase) (time.Time, time.Time) {
	switch p {
	case report.PhaseOpening:
		return g.at(st, 7, 0), g.at(st, 8, 0)
	case report.PhaseCounting:
		return g.at(st, 20, 0), g.at(st, 23, 30)
	case report.PhaseTabulation:
		return g.at(st, 24, 30), g.at(st, 30, 0)
	}
	return g.at(st, 8, 0), g.at(st, 20, 0)
}

// decide has the coordinator verify about a third of the incidents and reject a few,
// as a review on the evening would. The decisions go in concurrently, so the
// store's group commit writes them in a few transactions.
func (g *recGen) decide(ctx context.Context) error {
	coord, ok := g.w.Users["coordinator"]
	if !ok {
		return nil
	}
	incs, err := g.w.Store.Incidents(ctx, report.IncidentFilter{ElectionID: g.w.Election.ID})
	if err != nil {
		return err
	}
	type decision struct {
		id     int64
		status report.Status
		note   string
	}
	var ds []decision
	for _, in := range incs {
		switch r := g.rng.Float64(); {
		case r < 0.35:
			ds = append(ds, decision{in.ID, report.StatusVerified, verifyNotes[g.rng.IntN(len(verifyNotes))]})
		case r < 0.43:
			ds = append(ds, decision{in.ID, report.StatusRejected, rejectNotes[g.rng.IntN(len(rejectNotes))]})
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(ds))
	sem := make(chan struct{}, 128)
	for _, d := range ds {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := g.w.Store.SetIncidentStatus(ctx, d.id, d.status, d.note, coord); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs // nil when the channel is empty
}
