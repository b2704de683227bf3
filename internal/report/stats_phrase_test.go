package report_test

import (
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

func TestPhrasesInEveryLanguage(t *testing.T) {
	cases := []struct {
		lang string
		p    report.Phrase
		want string
	}{
		{"en", report.DescribeShare(report.SentenceNegative(report.PhaseCounting), 65, 115, 30),
			"The count was assessed negatively in more than half (57%) of 115 observations."},
		{"ru", report.DescribeShare(report.SentenceNegative(report.PhaseCounting), 65, 115, 30),
			"Подсчёт голосов был оценён отрицательно более чем в половине (57%) из 115 наблюдений."},
		{"kk", report.DescribeShare(report.SentenceNegative(report.PhaseCounting), 65, 115, 30),
			"115 бақылаудың жартысынан астамында (57%) дауыстарды санау теріс бағаланды."},
		{"en", report.DescribeShare(report.SentenceNegative(report.PhaseTabulation), 5, 12, 30),
			"The tabulation was assessed negatively in 5 of 12 observations."},
		{"ru", report.DescribeShare(report.SentenceNegative(report.PhaseTabulation), 5, 12, 30),
			"Подведение итогов было оценено отрицательно в 5 из 12 наблюдений."},
		{"ru", report.DescribeShare(report.SentenceShare, 1, 21, 30), "в 1 из 21 наблюдения"},
		{"kk", report.DescribeShare(report.SentenceNegative(report.PhaseTabulation), 5, 12, 30),
			"12 бақылаудың 5 жағдайында қорытындылау теріс бағаланды."},
		{"en", report.DescribeShare(report.SentenceShare, 23, 115, 30), "in about one-fifth (20%) of 115 observations"},
		{"ru", report.DescribeShare(report.SentenceShare, 23, 115, 30), "примерно в одной пятой (20%) из 115 наблюдений"},
		{"kk", report.DescribeShare(report.SentenceShare, 23, 115, 30), "115 бақылаудың шамамен бестен бірінде (20%)"},
		{"en", report.DescribeShare(report.SentenceShare, 0, 0, 30), "No observations"},
		{"kk", report.DescribeShare(report.SentenceShare, 0, 0, 30), "Бақылау жоқ"},
	}
	for _, c := range cases {
		if got := c.p.Text(i18n.New(c.lang)); got != c.want {
			t.Errorf("%s %+v:\n got %q\nwant %q", c.lang, c.p, got, c.want)
		}
	}
}

func TestEveryFractionAndSentenceIsInTheCatalogue(t *testing.T) {
	keys := []string{report.SentenceShare, report.SentenceShare + ".k_of_n", report.SentenceNoObservations}
	for _, p := range report.Phases {
		keys = append(keys, report.SentenceNegative(p), report.SentenceNegative(p)+".k_of_n")
	}
	for n := 1; n <= 200; n++ {
		for k := 0; k <= n; k++ {
			keys = append(keys, report.FractionKey(k, n))
		}
	}
	for _, k := range keys {
		if !i18n.Has(k) {
			t.Errorf("%s is not in the catalogue", k)
		}
	}
}
