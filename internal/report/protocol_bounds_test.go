package report

import (
	"math"
	"slices"
	"testing"
	"time"
)

// Finding 7 of issue 16: figures are bounded, and the checks cannot be fooled by
// sums that wrap around.
func TestProtocolFiguresBounded(t *testing.T) {
	r := NewRules(StandardStatsSchema(), time.Date(2022, 11, 21, 0, 0, 0, 0, time.UTC))
	o := validCounting()
	o.Protocol.Votes = map[string]int64{"c1": math.MaxInt64, "c2": math.MaxInt64}
	o.Protocol.BallotsMobile = i64(MaxFigure + 1)
	got := codes(ValidateObservation(o, r))
	for _, want := range []string{"protocol.ballots_mobile=too_large", "protocol.votes.c1=too_large", "protocol.votes.c2=too_large"} {
		if !slices.Contains(splitCodes(got), want) {
			t.Errorf("errors %q lack %q", got, want)
		}
	}
	o = validCounting()
	o.Protocol.Votes = map[string]int64{"c1": MaxFigure}
	o.Protocol.BallotsStationary = i64(MaxFigure)
	if fe := ValidateObservation(o, r); fe != nil {
		t.Errorf("figures at the bound refused: %v", fe)
	}
}

func splitCodes(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

func TestProtocolChecksDoNotWrap(t *testing.T) {
	p := &Protocol{BallotsStationary: i64(1000), BallotsMobile: i64(10), BallotsInvalid: i64(5),
		Votes: map[string]int64{"c1": math.MaxInt64, "c2": math.MaxInt64}}
	if !slices.Contains(FlaggedChecks(p), CheckVotesExceedValid) {
		t.Errorf("votes summing past int64 not flagged: %v", FlaggedChecks(p))
	}
	p = &Protocol{BallotsStationary: i64(math.MaxInt64), BallotsMobile: i64(math.MaxInt64), VotersVoted: i64(10)}
	if !slices.Contains(FlaggedChecks(p), CheckBallotsExceedVoters) {
		t.Errorf("ballots summing past int64 not flagged: %v", FlaggedChecks(p))
	}
}
