package report

import (
	"slices"
	"testing"
)

func n64(v int64) *int64 { return &v }

func TestProtocolChecks(t *testing.T) {
	clean := &Protocol{
		RegisteredVoters: n64(1520), BallotsReceived: n64(1500), VotersVoted: n64(1011),
		HomeboundRequests: n64(40), BallotsStationary: n64(980), BallotsMobile: n64(31),
		BallotsInvalid: n64(11), BallotsCancelled: n64(489),
		Votes: map[string]int64{"c1": 820, "against_all": 180},
	}
	for _, r := range ProtocolChecks(clean) {
		if !r.Applicable() || r.Flagged {
			t.Errorf("clean protocol: %s applicable=%v flagged=%v", r.Code, r.Applicable(), r.Flagged)
		}
	}

	cases := []struct {
		name  string
		edit  func(p *Protocol)
		flags []string
		lr    [2]int64 // sides of the first flagged check
	}{
		{"ballots exceed voters", func(p *Protocol) { p.BallotsStationary = n64(1000) }, []string{CheckBallotsExceedVoters}, [2]int64{1031, 1011}},
		{"mobile exceeds requests", func(p *Protocol) { p.HomeboundRequests = n64(12) }, []string{CheckMobileExceedsReqs}, [2]int64{31, 12}},
		{"turnout over 100", func(p *Protocol) { p.RegisteredVoters = n64(1000) }, []string{CheckTurnoutOver100}, [2]int64{1011, 1000}},
		{"ballots unaccounted", func(p *Protocol) { p.BallotsCancelled = n64(400) }, []string{CheckBallotsUnaccounted}, [2]int64{1500, 1411}},
		{"votes exceed valid", func(p *Protocol) { p.Votes["c2"] = 1 }, []string{CheckVotesExceedValid}, [2]int64{1001, 1000}},
	}
	for _, c := range cases {
		p := *clean
		p.Votes = map[string]int64{"c1": 820, "against_all": 180}
		c.edit(&p)
		got := FlaggedChecks(&p)
		if !slices.Equal(got, c.flags) {
			t.Errorf("%s: flagged %v, want %v", c.name, got, c.flags)
			continue
		}
		for _, r := range ProtocolChecks(&p) {
			if r.Code == c.flags[0] && (r.Left != c.lr[0] || r.Right != c.lr[1]) {
				t.Errorf("%s: sides %d, %d; want %v", c.name, r.Left, r.Right, c.lr)
			}
		}
	}
}

func TestProtocolChecksMissingFigures(t *testing.T) {
	rs := ProtocolChecks(nil)
	if len(rs) != len(ProtocolCheckCodes) {
		t.Fatalf("%d results", len(rs))
	}
	for i, r := range rs {
		if r.Code != ProtocolCheckCodes[i] || r.Applicable() || r.Flagged || !slices.Equal(r.Missing, r.Needs) {
			t.Errorf("nil protocol: %+v", r)
		}
	}
	// Only the mobile figures: one check can be made.
	p := &Protocol{BallotsMobile: n64(31), HomeboundRequests: n64(12), Votes: map[string]int64{}}
	for _, r := range ProtocolChecks(p) {
		if want := r.Code == CheckMobileExceedsReqs; r.Applicable() != want || r.Flagged != want {
			t.Errorf("%s: applicable=%v flagged=%v", r.Code, r.Applicable(), r.Flagged)
		}
		if r.Code == CheckVotesExceedValid && !slices.Contains(r.Missing, FigVotes) {
			t.Errorf("empty votes must count as not recorded: %v", r.Missing)
		}
	}
}
