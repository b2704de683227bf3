package results

import "github.com/observerkz/observer/internal/report"

// csvEnglish is the English of the CSV messages, for the command line and Error().
// web/i18n/results.en.json must say the same (a test in web compares them).
var csvEnglish = map[string]string{
	"results.at_column":               "line {{.Line}}, column {{.Column}}: {{.Message}}",
	"results.at_line":                 "line {{.Line}}: {{.Message}}",
	"results.csv_unreadable":          "the file could not be read ({{.Detail}})",
	"results.csv_too_large":           "the file is larger than {{.MB}} MB",
	"results.csv_not_utf8":            "the file is not UTF-8 text (save it as \"CSV UTF-8\")",
	"results.csv_empty":               "the file is empty",
	"results.csv_syntax":              "the CSV is malformed ({{.Detail}})",
	"results.csv_field_count":         "{{.Got}} fields where the header has {{.Want}}",
	"results.csv_duplicate_station":   "station {{.Code}} appears again (first on line {{.First}})",
	"results.csv_no_rows":             "the file has a header but no stations",
	"results.csv_blank_column":        "the column has no name",
	"results.csv_duplicate_column":    "the column appears twice",
	"results.csv_candidate_code":      "a candidate code after votes: uses only letters, digits, _ - . (at most 64 bytes)",
	"results.csv_needs_add_stations":  "region and district are only read when the import adds stations (--add-stations)",
	"results.csv_unknown_column":      "unknown column (known: station, registered_voters, ballots_issued, ballots_valid, ballots_invalid, ballots_received, ballots_cancelled, ballots_mobile, ballots_stationary, votes:<candidate>)",
	"results.csv_missing_column":      "this required column is missing",
	"results.csv_no_candidates":       "no votes:<candidate> column",
	"results.csv_too_many_candidates": "more than {{.Max}} candidates",
	"results.csv_required":            "a value is required",
	"results.csv_station_code":        "“{{.Code}}” is not a valid station code: use letters and digits with - / . (e.g. 071-023)",
	"results.csv_bad_text":            "the text is too long or holds control characters",
	"results.csv_number":              "“{{.Value}}” is not a whole number from 0 to {{.Max}}",
	"results.csv_unknown_station":     "station {{.Code}} is not in this election (import it first, or use --add-stations)",
	"results.csv_new_station_region":  "station {{.Code}} is new: its region is required",
	"results.label_taken":             "this election already has a results version labelled “{{.Label}}”",
	"results.label_invalid":           "a version label uses letters, digits, _ - . (1 to 40 characters)",
}

// English renders the messages without the web catalogue.
var English english

type english struct{}

func (english) Lang() string { return "en" }

func (e english) N(key string, count int, data ...any) string {
	return e.T(key, append(data, "Count", count)...)
}

func (english) T(key string, data ...any) string {
	text, ok := csvEnglish[key]
	if !ok {
		// the station list's own messages (stations created by an import)
		return report.CSVError{Key: key, Args: data}.Error()
	}
	s, ok := report.FillEnglish(key, text, data...)
	if !ok {
		return text
	}
	return s
}

// EnglishTexts is the English of every message key, for the catalogue's test.
func EnglishTexts() map[string]string {
	out := make(map[string]string, len(csvEnglish))
	for k, v := range csvEnglish {
		out[k] = v
	}
	return out
}
