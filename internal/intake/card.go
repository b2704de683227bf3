package intake

import "github.com/observerkz/observer/internal/report"

// Figures returns the protocol figures in the order of their numbers in
// "k:value" (element k-1 is figure k), for the SMS card.
func Figures() []string {
	out := make([]string, len(figureNumbers))
	for n, f := range figureNumbers {
		out[n-1] = f
	}
	return out
}

// Assessments returns the assessments in the order of their numbers in "*N".
func Assessments() []report.Assessment {
	out := make([]report.Assessment, len(assessmentNumbers))
	for n, a := range assessmentNumbers {
		out[n-1] = a
	}
	return out
}
