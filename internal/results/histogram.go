package results

import "math"

// Bins of the histograms: 0.1-point bins centred on 0.0 … 100.0, and 1-point bins
// centred on 0 … 100 for the fingerprint.
const (
	FineBins   = 1001
	CoarseBins = 101
)

// Histograms are a scope's turnout and leader's-share histograms and its turnout ×
// share fingerprint, in stations. Values above 100 % (more ballots issued than
// voters listed) are counted in Over, not drawn.
type Histograms struct {
	Turnout     [FineBins]int32
	Share       [FineBins]int32
	Fingerprint [CoarseBins][CoarseBins]int32 // [turnout][share]
	TurnoutOver int
	Stations    int // stations drawn in the fingerprint
}

// FineBin is the 0.1-point bin of a percentage, -1 when outside 0–100.
func FineBin(p float64) int {
	b := int(math.Round(p * 10))
	if b < 0 || b >= FineBins {
		return -1
	}
	return b
}

// CoarseBin is the 1-point bin of a percentage, -1 when outside 0–100.
func CoarseBin(p float64) int {
	b := int(math.Round(p))
	if b < 0 || b >= CoarseBins {
		return -1
	}
	return b
}

func (h *Histograms) add(registered, issued, received, leader int64) {
	tb, sb := -1, -1
	if registered > 0 {
		tb = FineBin(Percent(issued, registered))
		if tb >= 0 {
			h.Turnout[tb]++
		} else {
			h.TurnoutOver++
		}
	}
	if received > 0 {
		sb = FineBin(Percent(leader, received))
		if sb >= 0 {
			h.Share[sb]++
		}
	}
	if tb >= 0 && sb >= 0 {
		h.Fingerprint[CoarseBin(Percent(issued, registered))][CoarseBin(Percent(leader, received))]++
		h.Stations++
	}
}
