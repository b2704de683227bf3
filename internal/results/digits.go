package results

import "gonum.org/v1/gonum/stat/distuv"

// lastDigitOf is the last-digit test: the leader's votes' last digit at every
// station with at least 100 of them, against the uniform distribution (chi-squared,
// 9 degrees of freedom).
func lastDigitOf(a aggregate) LastDigit {
	ld := LastDigit{Stations: a.digitStations, Counts: a.digits}
	ld.Chi2, ld.P = ChiSquaredUniform(a.digits)
	return ld
}

// ChiSquaredUniform is the chi-squared statistic of ten digit counts against equal
// expected counts, and its p-value; with no counts, 0 and nil.
func ChiSquaredUniform(counts [10]int) (float64, *float64) {
	n := 0
	for _, c := range counts {
		n += c
	}
	if n == 0 {
		return 0, nil
	}
	e := float64(n) / 10
	var chi2 float64
	for _, c := range counts {
		d := float64(c) - e
		chi2 += d * d / e
	}
	p := distuv.ChiSquared{K: 9}.Survival(chi2)
	return chi2, &p
}
