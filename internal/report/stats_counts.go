package report

// The cache keeps each station's tally, and each sum of them, as one plain array
// of counts: a StationTally's maps take ~15 KB a station on a busy election day,
// the array ~5 KB, and adding or subtracting a station is a loop over two arrays.
// A countLayout says which count sits where; one layout serves every station of
// an election, built when the election is loaded.

// Per phase: observations, stations, the four grades, the five checks (n and
// flagged) and the nine figures not recorded, then each question's five counts,
// then each category's seven.
const (
	offObservations = 0
	offStations     = 1
	offAssessments  = 2
	offChecks       = offAssessments + 4
	offNotRecorded  = offChecks + 2*5
	phaseFixed      = offNotRecorded + 9
	questionWidth   = 5 // yes, no, na, unanswered, inconsistent
	categoryWidth   = 7 // incidents new, verified, rejected; stations ×2; observations_with ×2
)

type countLayout struct {
	questions  [4][]string // each phase's checklist questions
	categories []string    // the schema's, then any other code found in the data
	catIndex   map[string]int
	phaseStart [4]int
	size       int
}

// newCountLayout lays out the schema's questions and categories, with extra
// category codes (found in the data, no longer in the schema) after them.
func newCountLayout(schema StatsSchema, extra []string) *countLayout {
	l := &countLayout{catIndex: map[string]int{}}
	for _, c := range schema.Categories {
		l.addCategory(c.Code)
	}
	for _, code := range extra {
		l.addCategory(code)
	}
	for i, p := range Phases {
		for _, q := range schema.Checklist(p).Questions {
			l.questions[i] = append(l.questions[i], q.Code)
		}
		l.phaseStart[i] = l.size
		l.size += phaseFixed + questionWidth*len(l.questions[i]) + categoryWidth*len(l.categories)
	}
	return l
}

func (l *countLayout) addCategory(code string) {
	if _, ok := l.catIndex[code]; !ok {
		l.catIndex[code] = len(l.categories)
		l.categories = append(l.categories, code)
	}
}

func (l *countLayout) questionAt(p int, i int) int {
	return l.phaseStart[p] + phaseFixed + questionWidth*i
}

func (l *countLayout) categoryAt(p int, i int) int {
	return l.phaseStart[p] + phaseFixed + questionWidth*len(l.questions[p]) + categoryWidth*i
}

// counts lays t out. ok is false when t has a category the layout lacks (the
// election must be loaded again with a new layout).
func (l *countLayout) counts(t *StationTally) (c []int32, ok bool) {
	c = make([]int32, l.size)
	for p := range t.Phases {
		pt, base := &t.Phases[p], l.phaseStart[p]
		c[base+offObservations] = int32(pt.Observations)
		c[base+offStations] = int32(pt.Stations)
		for i, n := range pt.Assessments {
			c[base+offAssessments+i] = int32(n)
		}
		for i, ck := range pt.Checks {
			c[base+offChecks+2*i], c[base+offChecks+2*i+1] = int32(ck.N), int32(ck.Flagged)
		}
		for i, n := range pt.NotRecorded {
			c[base+offNotRecorded+i] = int32(n)
		}
		// AddObservation counts only the checklist's questions.
		for i, code := range l.questions[p] {
			q := pt.Questions[code]
			copy(c[l.questionAt(p, i):], []int32{int32(q.Yes), int32(q.No), int32(q.NA), int32(q.Unanswered), int32(q.Inconsistent)})
		}
		for code, ct := range pt.Categories {
			i, known := l.catIndex[code]
			if !known {
				return nil, false
			}
			copy(c[l.categoryAt(p, i):], []int32{int32(ct.Incidents[0]), int32(ct.Incidents[1]), int32(ct.Incidents[2]),
				int32(ct.Stations[0]), int32(ct.Stations[1]), int32(ct.ObservationsWith[0]), int32(ct.ObservationsWith[1])})
		}
	}
	return c, true
}

// tally is the StationTally that counts laid out (nil counts: an empty tally).
func (l *countLayout) tally(c []int32) *StationTally {
	t := &StationTally{}
	if c == nil {
		return t
	}
	for p := range t.Phases {
		pt, base := &t.Phases[p], l.phaseStart[p]
		pt.Observations = int(c[base+offObservations])
		pt.Stations = int(c[base+offStations])
		for i := range pt.Assessments {
			pt.Assessments[i] = int(c[base+offAssessments+i])
		}
		for i := range pt.Checks {
			pt.Checks[i] = CheckTally{N: int(c[base+offChecks+2*i]), Flagged: int(c[base+offChecks+2*i+1])}
		}
		for i := range pt.NotRecorded {
			pt.NotRecorded[i] = int(c[base+offNotRecorded+i])
		}
		pt.Questions = make(map[string]AnswerTally, len(l.questions[p]))
		for i, code := range l.questions[p] {
			q := c[l.questionAt(p, i):]
			pt.Questions[code] = AnswerTally{Yes: int(q[0]), No: int(q[1]), NA: int(q[2]), Unanswered: int(q[3]), Inconsistent: int(q[4])}
		}
		pt.Categories = make(map[string]CategoryTally, len(l.categories))
		for i, code := range l.categories {
			k := c[l.categoryAt(p, i):]
			if k[0]|k[1]|k[2]|k[3]|k[4]|k[5]|k[6] == 0 {
				continue // the document lists the schema's categories itself
			}
			pt.Categories[code] = CategoryTally{
				Incidents:        [3]int{int(k[0]), int(k[1]), int(k[2])},
				Stations:         [numFilters]int{int(k[3]), int(k[4])},
				ObservationsWith: [numFilters]int{int(k[5]), int(k[6])},
			}
		}
	}
	return t
}

// addCounts adds sign × b to a.
func addCounts(a, b []int32, sign int32) {
	for i, n := range b {
		a[i] += sign * n
	}
}
