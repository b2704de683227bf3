package report

// Tallies are the counts statistics are computed from. A station's tally is built
// from its rows; tallies add (and subtract) exactly, so the sum for a district,
// region or the country is the sum of its stations' tallies, and the cache can
// replace one station's contribution without recounting the rest.

// StatusFilter is the incident status filter of a statistics scope.
type StatusFilter int

const (
	// FilterNewVerified counts new and verified incidents (the default).
	FilterNewVerified StatusFilter = iota
	// FilterVerified counts verified incidents only.
	FilterVerified
	numFilters
)

// Statuses lists the statuses the filter counts.
func (f StatusFilter) Statuses() []Status {
	if f == FilterVerified {
		return []Status{StatusVerified}
	}
	return []Status{StatusNew, StatusVerified}
}

// counts reports whether an incident of status s is counted under f.
func (f StatusFilter) counts(s Status) bool {
	return s == StatusVerified || (f == FilterNewVerified && s == StatusNew)
}

// statusIndex orders the statuses in CategoryTally.Incidents.
func statusIndex(s Status) int {
	switch s {
	case StatusNew:
		return 0
	case StatusVerified:
		return 1
	case StatusRejected:
		return 2
	}
	return -1
}

// PhaseIndex is p's position in Phases, or -1.
func PhaseIndex(p Phase) int {
	for i, q := range Phases {
		if p == q {
			return i
		}
	}
	return -1
}

// StationTally holds the counts of one station, per phase (indexed as Phases).
// The same type holds the sum over many stations.
type StationTally struct {
	Phases [4]PhaseTally
}

// PhaseTally is the counts of one phase.
type PhaseTally struct {
	// Observations counts submitted forms; Stations the stations with at least one
	// (0 or 1 for a single station).
	Observations int
	Stations     int
	// Assessments counts grades in Assessments order; forms without one are not counted.
	Assessments [4]int
	Questions   map[string]AnswerTally
	Categories  map[string]CategoryTally
	// Checks counts the derived protocol checks in ProtocolCheckCodes order.
	Checks [5]CheckTally
	// NotRecorded counts counting forms missing each figure, in RecordedFigures order.
	NotRecorded [9]int
}

// AnswerTally counts the answers to one question among the forms where it is in
// play; Inconsistent counts follow-ups answered yes or no where they were not.
type AnswerTally struct {
	Yes, No, NA, Unanswered, Inconsistent int
}

// CategoryTally counts one incident category. Incidents is by status (new,
// verified, rejected); Stations and ObservationsWith by StatusFilter.
type CategoryTally struct {
	Incidents        [3]int
	Stations         [numFilters]int
	ObservationsWith [numFilters]int
}

// CheckTally counts one protocol check: N forms with every figure it needs, Flagged
// of those failing it.
type CheckTally struct {
	Flagged, N int
}

// Phase returns the tally of phase p (nil for an unknown phase).
func (t *StationTally) Phase(p Phase) *PhaseTally {
	i := PhaseIndex(p)
	if i < 0 {
		return nil
	}
	return &t.Phases[i]
}

// AddObservation counts one submitted form of the checklist's phase. Only the
// checklist's questions are counted; a follow-up is in play only on forms whose
// parent (itself in play) was answered with the trigger.
func (t *StationTally) AddObservation(cl Checklist, a Assessment, answers map[string]Answer, p *Protocol) {
	t.AddObservationFunc(cl, a, func(code string) Answer { return answers[code] }, p)
}

// AddObservationFunc is AddObservation with the answers looked up through a
// function, so a reader can count forms without building a map for each.
func (t *StationTally) AddObservationFunc(cl Checklist, a Assessment, answer func(code string) Answer, p *Protocol) {
	pt := t.Phase(cl.Phase)
	if pt == nil {
		return
	}
	pt.Observations++
	for i, g := range Assessments {
		if a == g {
			pt.Assessments[i]++
		}
	}
	if pt.Questions == nil {
		pt.Questions = make(map[string]AnswerTally, len(cl.Questions))
	}
	for _, q := range cl.Questions {
		at := pt.Questions[q.Code]
		ans := answer(q.Code)
		switch {
		case !inPlay(cl, q, answer, 0):
			// "na" on a question that was not asked is consistent; yes or no is not.
			if ans == AnswerYes || ans == AnswerNo {
				at.Inconsistent++
			}
		case ans == AnswerYes:
			at.Yes++
		case ans == AnswerNo:
			at.No++
		case ans == AnswerNA:
			at.NA++
		default:
			at.Unanswered++
		}
		pt.Questions[q.Code] = at
	}
	if cl.Phase != PhaseCounting {
		return
	}
	for i, f := range RecordedFigures {
		if f == FigVotes {
			if p == nil || len(p.Votes) == 0 {
				pt.NotRecorded[i]++
			}
		} else if p.Figure(f) == nil {
			pt.NotRecorded[i]++
		}
	}
	for i, r := range ProtocolChecks(p) {
		if r.Applicable() {
			pt.Checks[i].N++
			if r.Flagged {
				pt.Checks[i].Flagged++
			}
		}
	}
}

// inPlay reports whether q is asked on a form with these answers. depth guards
// against a custom checklist whose follow-ups form a loop.
func inPlay(cl Checklist, q Question, answer func(string) Answer, depth int) bool {
	if !q.IsFollowUp() {
		return true
	}
	if depth > 8 || answer(q.Parent) != q.Trigger {
		return false
	}
	if parent, ok := cl.Question(q.Parent); ok {
		return inPlay(cl, parent, answer, depth+1)
	}
	return true
}

// AddIncidents counts n incidents of a category and status filed in phase p.
func (t *StationTally) AddIncidents(p Phase, category string, s Status, n int) {
	pt, si := t.Phase(p), statusIndex(s)
	if pt == nil || si < 0 {
		return
	}
	ct := pt.category(category)
	ct.Incidents[si] += n
	pt.Categories[category] = ct
}

// AddObservationWith counts one form of phase p holding witnessed incidents of a
// category; best is the most counted status among them (verified, else new).
func (t *StationTally) AddObservationWith(p Phase, category string, best Status) {
	pt := t.Phase(p)
	if pt == nil {
		return
	}
	ct := pt.category(category)
	for f := range numFilters {
		if f.counts(best) {
			ct.ObservationsWith[f]++
		}
	}
	pt.Categories[category] = ct
}

func (pt *PhaseTally) category(code string) CategoryTally {
	if pt.Categories == nil {
		pt.Categories = make(map[string]CategoryTally)
	}
	return pt.Categories[code]
}

// Finish sets the station counts of a single station's tally from its other counts.
// Call it once the station's rows are all added.
func (t *StationTally) Finish() {
	for i := range t.Phases {
		pt := &t.Phases[i]
		pt.Stations = min(pt.Observations, 1)
		for code, ct := range pt.Categories {
			for f := range numFilters {
				ct.Stations[f] = min(ct.incidents(f), 1)
			}
			pt.Categories[code] = ct
		}
	}
}

func (ct CategoryTally) incidents(f StatusFilter) int {
	n := ct.Incidents[statusIndex(StatusVerified)]
	if f == FilterNewVerified {
		n += ct.Incidents[statusIndex(StatusNew)]
	}
	return n
}

// Add adds o to t.
func (t *StationTally) Add(o *StationTally) { t.add(o, 1) }

// Sub subtracts o from t (o must have been added before).
func (t *StationTally) Sub(o *StationTally) { t.add(o, -1) }

func (t *StationTally) add(o *StationTally, sign int) {
	if o == nil {
		return
	}
	for i := range t.Phases {
		a, b := &t.Phases[i], &o.Phases[i]
		a.Observations += sign * b.Observations
		a.Stations += sign * b.Stations
		for j := range a.Assessments {
			a.Assessments[j] += sign * b.Assessments[j]
		}
		for j := range a.Checks {
			a.Checks[j].N += sign * b.Checks[j].N
			a.Checks[j].Flagged += sign * b.Checks[j].Flagged
		}
		for j := range a.NotRecorded {
			a.NotRecorded[j] += sign * b.NotRecorded[j]
		}
		if len(b.Questions) > 0 && a.Questions == nil {
			a.Questions = make(map[string]AnswerTally, len(b.Questions))
		}
		for code, bq := range b.Questions {
			aq := a.Questions[code]
			aq.Yes += sign * bq.Yes
			aq.No += sign * bq.No
			aq.NA += sign * bq.NA
			aq.Unanswered += sign * bq.Unanswered
			aq.Inconsistent += sign * bq.Inconsistent
			a.Questions[code] = aq
		}
		if len(b.Categories) > 0 && a.Categories == nil {
			a.Categories = make(map[string]CategoryTally, len(b.Categories))
		}
		for code, bc := range b.Categories {
			ac := a.Categories[code]
			for j := range ac.Incidents {
				ac.Incidents[j] += sign * bc.Incidents[j]
			}
			for f := range numFilters {
				ac.Stations[f] += sign * bc.Stations[f]
				ac.ObservationsWith[f] += sign * bc.ObservationsWith[f]
			}
			a.Categories[code] = ac
		}
	}
}

// StatsSchema is what an election asks and files: the checklist of each phase
// (standard plus custom questions) and the incident categories (standard plus
// custom, retired ones marked).
type StatsSchema struct {
	Checklists map[Phase]Checklist
	Categories []Category
}

// StandardStatsSchema is the schema of an election without custom questions or categories.
func StandardStatsSchema() StatsSchema {
	s := StatsSchema{Checklists: make(map[Phase]Checklist, len(Phases))}
	for _, p := range Phases {
		s.Checklists[p] = StandardChecklist(p)
	}
	s.Categories = append(s.Categories, Categories...)
	return s
}

// Checklist returns the checklist of phase p.
func (s StatsSchema) Checklist(p Phase) Checklist {
	if cl, ok := s.Checklists[p]; ok {
		return cl
	}
	return StandardChecklist(p)
}
