package report

import (
	"strconv"
	"time"
)

// The statistics document of statistics.md: the one shape printed by the JSON API,
// `observer stats`, the evidence pack's statistics.json and read by the dashboard.
// Field names and tags are the contract; change them only with the spec.

// StatsDocument is the statistics of one scope.
type StatsDocument struct {
	Election        string         `json:"election"`
	Scope           StatsScopeDoc  `json:"scope"`
	SmallNThreshold int            `json:"small_n_threshold"`
	Phases          PhaseStatsSet  `json:"phases"`
	Breakdown       []BreakdownRow `json:"breakdown"`
}

// StatsScopeDoc says what the document covers. Region and district are codes, null
// for the whole country; from and to appear only when a time window was asked for.
type StatsScopeDoc struct {
	Region   *string    `json:"region"`
	District *string    `json:"district"`
	Status   []Status   `json:"status"`
	From     *time.Time `json:"from,omitempty"`
	To       *time.Time `json:"to,omitempty"`
}

// PhaseStatsSet holds all four phases, in the order of the day.
type PhaseStatsSet struct {
	Opening    *PhaseStats `json:"opening"`
	Voting     *PhaseStats `json:"voting"`
	Counting   *PhaseStats `json:"counting"`
	Tabulation *PhaseStats `json:"tabulation"`
}

// Get returns the statistics of phase p (nil for an unknown phase).
func (s *PhaseStatsSet) Get(p Phase) *PhaseStats {
	switch p {
	case PhaseOpening:
		return s.Opening
	case PhaseVoting:
		return s.Voting
	case PhaseCounting:
		return s.Counting
	case PhaseTabulation:
		return s.Tabulation
	}
	return nil
}

func (s *PhaseStatsSet) set(p Phase, ps *PhaseStats) {
	switch p {
	case PhaseOpening:
		s.Opening = ps
	case PhaseVoting:
		s.Voting = ps
	case PhaseCounting:
		s.Counting = ps
	case PhaseTabulation:
		s.Tabulation = ps
	}
}

// PhaseStats is every figure of one phase. ProtocolChecks and NotRecorded are
// present for counting only, the one phase with a results protocol.
type PhaseStats struct {
	Observations   int                      `json:"observations"`
	Stations       int                      `json:"stations"`
	StationsTotal  int                      `json:"stations_total"`
	PctStations    *Percent                 `json:"pct_stations"`
	Assessment     AssessmentStats          `json:"assessment"`
	Questions      map[string]QuestionStats `json:"questions"`
	Categories     map[string]CategoryStats `json:"categories"`
	ProtocolChecks map[string]CheckStats    `json:"protocol_checks,omitempty"`
	NotRecorded    map[string]int           `json:"not_recorded,omitempty"`
}

// AssessmentStats counts the overall grades; the share is of negative ones.
type AssessmentStats struct {
	N           int       `json:"n"`
	VeryGood    int       `json:"very_good"`
	Good        int       `json:"good"`
	Bad         int       `json:"bad"`
	VeryBad     int       `json:"very_bad"`
	Negative    int       `json:"negative"`
	PctNegative *Percent  `json:"pct_negative"`
	CI95        *Interval `json:"ci95"`
	SmallN      bool      `json:"small_n"`
}

// QuestionStats counts the answers to one question; the share is of "yes" among
// yes and no. Parent appears for follow-up questions only. Inconsistent, written
// only when not 0, counts forms that answered a follow-up yes or no although the
// parent's answer was not the trigger; those answers are left out of every other
// figure (imports reject them; it shows what slipped in another way).
type QuestionStats struct {
	Parent       string    `json:"parent,omitempty"`
	Yes          int       `json:"yes"`
	No           int       `json:"no"`
	NA           int       `json:"na"`
	Unanswered   int       `json:"unanswered"`
	N            int       `json:"n"`
	PctYes       *Percent  `json:"pct_yes"`
	CI95         *Interval `json:"ci95"`
	SmallN       bool      `json:"small_n"`
	Inconsistent int       `json:"inconsistent,omitempty"`
}

// CategoryStats is one incident category: incidents and stations count everything
// in scope; the share is of observations with a witnessed incident of it.
type CategoryStats struct {
	Incidents        int       `json:"incidents"`
	Stations         int       `json:"stations"`
	ObservationsWith int       `json:"observations_with"`
	N                int       `json:"n"`
	Pct              *Percent  `json:"pct"`
	CI95             *Interval `json:"ci95"`
	SmallN           bool      `json:"small_n"`
}

// CheckStats is one derived protocol check.
type CheckStats struct {
	Flagged int       `json:"flagged"`
	N       int       `json:"n"`
	Pct     *Percent  `json:"pct"`
	CI95    *Interval `json:"ci95"`
	SmallN  bool      `json:"small_n"`
}

// BreakdownRow is one row of the breakdown: the parent total first, then one row
// per unit of the next level. Level is "country", "region", "district" or
// "station"; the country row has empty code and name, and stations without a
// district are gathered in a district row with an empty code.
type BreakdownRow struct {
	Level  string        `json:"level"`
	Code   string        `json:"code"`
	Name   string        `json:"name"`
	Phases PhaseStatsSet `json:"phases"`
}

// Breakdown levels.
const (
	LevelCountry  = "country"
	LevelRegion   = "region"
	LevelDistrict = "district"
	LevelStation  = "station"
)

// Percent is a share in per cent, already rounded to one decimal. It is written
// with exactly one decimal (81.0, not 81) as statistics.md shows it.
type Percent float64

// MarshalJSON writes the percentage with one decimal.
func (p Percent) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(p), 'f', 1, 64), nil
}

// Interval is a 95% confidence interval [low, high] in per cent.
type Interval [2]Percent
