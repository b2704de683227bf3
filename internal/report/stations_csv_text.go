package report

// csvEnglish is the English of the import error messages, for the command line and
// logs. web/i18n/stations.en.json has the same texts (a test compares them) plus
// their Russian and Kazakh.
var csvEnglish = map[string]string{
	"stations.csv_at_column":         "line {{.Line}}, column {{.Column}}: {{.Message}}",
	"stations.csv_at_line":           "line {{.Line}}: {{.Message}}",
	"stations.csv_unreadable":        "the file could not be read ({{.Detail}})",
	"stations.csv_too_large":         "the file is larger than {{.MB}} MB",
	"stations.csv_utf16":             "the file is in UTF-16; save it as UTF-8 (in Excel: “CSV UTF-8”) and import it again",
	"stations.csv_windows1251":       "the file is not UTF-8: it looks like Windows-1251 (Cyrillic); save it as UTF-8 (in Excel: “CSV UTF-8”) and import it again",
	"stations.csv_not_utf8":          "the file is not UTF-8 text; save it as UTF-8 (in Excel: “CSV UTF-8”) and import it again",
	"stations.csv_empty":             "the file is empty: it needs a header row naming the columns",
	"stations.csv_blank_column":      "column {{.N}} of the header has no name",
	"stations.csv_unknown_column":    "unknown column (the known columns are: {{.Known}})",
	"stations.csv_duplicate_column":  "the column appears twice in the header",
	"stations.csv_missing_column":    "the header lacks this required column",
	"stations.csv_syntax":            "the CSV is malformed ({{.Detail}})",
	"stations.csv_field_count":       "the row has {{.Got}} fields but the header has {{.Want}}",
	"stations.csv_required":          "a value is required",
	"stations.csv_too_long":          "too long (at most {{.Max}} characters)",
	"stations.csv_control":           "contains control characters",
	"stations.csv_voters":            "must be a whole number from 0 to {{.Max}}",
	"stations.csv_coord":             "must be decimal degrees between -{{.Limit}} and {{.Limit}}",
	"stations.csv_coord_pair":        "give both lat and lon, or neither",
	"stations.csv_code":              "“{{.Code}}” is not a valid station code: use letters and digits with - / . (e.g. 071-023)",
	"stations.csv_duplicate_code":    "the code {{.Code}} is already on line {{.First}}",
	"stations.csv_area_code":         "“{{.Code}}” is not a valid code: use up to 32 Latin letters, digits, - and _",
	"stations.csv_region_mismatch":   "the region code {{.Code}} is used for “{{.Name}}” on line {{.First}}",
	"stations.csv_district_mismatch": "the district code {{.Code}} is used for “{{.Name}}” on line {{.First}}",
	"stations.csv_timezone":          "“{{.Zone}}” is not an IANA time zone (e.g. Asia/Almaty)",
	"stations.csv_observer_code":     "“{{.Code}}” is not a valid observer code: use 2 to 32 Latin letters, digits, - or _ (e.g. OBS-0142)",
	"stations.csv_phone":             "not a phone number",
	"stations.csv_email":             "not an e-mail address",
	"stations.csv_station_twice":     "the station {{.Code}} is listed twice",
	"stations.csv_unknown_station":   "no station with code {{.Code}} in this election",
	"stations.csv_language":          "“{{.Value}}” is not a language of answers: use en, ru or kk",
}
