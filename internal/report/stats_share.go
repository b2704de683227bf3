package report

import "math"

// DefaultSmallN is the denominator below which a share is flagged small_n and shown
// as "k of n" rather than a percentage.
const DefaultSmallN = 30

// wilsonZ is the standard normal quantile for a two-sided 95% interval, to full
// float64 precision (1.959964 turns a few bounds near a half the other way).
const wilsonZ = 1.959963984540054

// share is k of n as the document writes it: null when n is 0.
type share struct {
	pct    *Percent
	ci     *Interval
	smallN bool
}

func newShare(k, n, threshold int) share {
	s := share{smallN: n < threshold}
	if n <= 0 {
		return s
	}
	p := PctTenths(k, n)
	lo, hi := Wilson(k, n)
	s.pct = &p
	s.ci = &Interval{round1(lo), round1(hi)}
	return s
}

// PctTenths is 100·k/n rounded to one decimal, half away from zero. It is computed
// in integers so that a half (3 of 2000 = 0.15%) is never lost to binary fractions.
func PctTenths(k, n int) Percent {
	if n <= 0 {
		return 0
	}
	neg := k < 0
	if neg {
		k = -k
	}
	tenths := (2000*int64(k) + int64(n)) / (2 * int64(n))
	if neg {
		tenths = -tenths
	}
	return Percent(float64(tenths) / 10)
}

// WholePercent is 100·k/n rounded to a whole number, half up (12.5 → 13), as
// screens show it. ok is false when n is 0.
func WholePercent(k, n int) (pct int, ok bool) {
	if n <= 0 {
		return 0, false
	}
	return int((200*int64(k) + int64(n)) / (2 * int64(n))), true
}

// ShowAsCount reports whether a share with denominator n is shown as "k of n"
// rather than a percentage (threshold 0 means DefaultSmallN).
func ShowAsCount(n, threshold int) bool {
	if threshold <= 0 {
		threshold = DefaultSmallN
	}
	return n < threshold
}

// Wilson is the 95% Wilson score interval of k successes in n trials, in per cent.
// It stays inside [0, 100] and is sensible at k = 0 and k = n, where the normal
// approximation is not.
func Wilson(k, n int) (low, high float64) {
	if n <= 0 {
		return 0, 0
	}
	nf := float64(n)
	p := float64(k) / nf
	z2 := wilsonZ * wilsonZ
	den := 1 + z2/nf
	centre := (p + z2/(2*nf)) / den
	half := wilsonZ * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / den
	return 100 * math.Max(0, centre-half), 100 * math.Min(1, centre+half)
}

// round1 rounds x to one decimal, half away from zero.
func round1(x float64) Percent {
	return Percent(math.Round(x*10) / 10)
}

// Fraction words, from the ODIHR reports' way of putting shares in words. The
// catalogue key of each is "stats.fraction.<name>"; the words include the
// preposition ("in more than half") so each language can inflect them.
var fractionBands = []struct {
	upTo int // largest whole per cent of the band
	name string
}{
	{7, "few"},
	{12, "about_tenth"},
	{17, "over_tenth"},
	{22, "about_fifth"},
	{27, "about_quarter"},
	{37, "about_third"},
	{44, "over_third"},
	// 45–62 are almost_half or more_than_half, by the side of half.
	{70, "about_two_thirds"},
	{79, "about_three_quarters"},
	{89, "most"},
	{100, "almost_all"},
}

// FractionKey returns the catalogue key of the words for k of n ("more than half").
// Exact ends and the exact half have their own words; a share that rounds to 50%
// says on which side of half it lies.
func FractionKey(k, n int) string {
	name := "none"
	switch {
	case n <= 0 || k <= 0:
	case k >= n:
		name = "all"
	case 2*k == n:
		name = "half"
	case 2*k > n && WholePercentOf(k, n) <= 62:
		name = "more_than_half"
	case 2*k < n && WholePercentOf(k, n) >= 45:
		name = "almost_half"
	default:
		pct := WholePercentOf(k, n)
		for _, b := range fractionBands {
			if pct <= b.upTo {
				name = b.name
				break
			}
		}
	}
	return "stats.fraction." + name
}

// WholePercentOf is WholePercent without the ok (0 when n is 0).
func WholePercentOf(k, n int) int {
	p, _ := WholePercent(k, n)
	return p
}

// Phrase is a share put in words, for the caller to translate: Key is the
// catalogue key of the text, pluralised by Count (the denominator); Fraction is the
// catalogue key of the fraction words placed into it ("" when the text has none).
type Phrase struct {
	Key      string
	Count    int
	Fraction string
	K        int
	Pct      int
}

// Text translates the phrase.
func (p Phrase) Text(tr Translator) string {
	if p.Key == SentenceNoObservations {
		return tr.T(p.Key)
	}
	data := []any{"K", p.K, "Pct", p.Pct}
	if p.Fraction != "" {
		data = append(data, "Fraction", tr.T(p.Fraction))
	}
	return tr.N(p.Key, p.Count, data...)
}

// Sentence keys for DescribeShare.
const (
	// SentenceShare is a caption: "in more than half (57%) of 115 observations".
	SentenceShare = "stats.share"
	// SentenceNoObservations is what any sentence says when there is nothing to count.
	SentenceNoObservations = "stats.no_observations"
)

// SentenceNegative is the sentence key for negative assessments of a phase:
// "The count was assessed negatively in more than half (57%) of 115 observations."
func SentenceNegative(p Phase) string { return "stats.negative." + string(p) }

// DescribeShare puts k of n in words with the sentence key: with a fraction and
// whole per cent, or as "k of n" (key + ".k_of_n") when n is below the threshold
// (0: DefaultSmallN), or SentenceNoObservations when n is 0.
func DescribeShare(sentence string, k, n, threshold int) Phrase {
	if n <= 0 {
		return Phrase{Key: SentenceNoObservations}
	}
	if ShowAsCount(n, threshold) {
		return Phrase{Key: sentence + ".k_of_n", Count: n, K: k, Pct: WholePercentOf(k, n)}
	}
	return Phrase{Key: sentence, Count: n, Fraction: FractionKey(k, n), K: k, Pct: WholePercentOf(k, n)}
}
