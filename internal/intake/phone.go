package intake

import (
	"strings"
	"unicode"
)

// NormalizePhone writes a phone number in E.164 ("+77011234567"): spaces,
// dashes, dots and brackets dropped, "00" read as "+", and the Kazakh and
// Russian trunk prefix 8 before ten digits read as +7 ("8 701 …" and
// "+7 701 …" are the same number). ok is false when what is left is not 8 to
// 15 digits.
func NormalizePhone(s string) (e164 string, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) > 40 {
		return "", false
	}
	plus := strings.HasPrefix(s, "+")
	var d strings.Builder
	for _, r := range strings.TrimPrefix(s, "+") {
		switch {
		case r >= '0' && r <= '9':
			d.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || unicode.IsSpace(r):
		default:
			return "", false
		}
	}
	digits := d.String()
	switch {
	case plus:
	case strings.HasPrefix(digits, "00"):
		digits = digits[2:]
	case len(digits) == 11 && digits[0] == '8':
		digits = "7" + digits[1:]
	case len(digits) == 10 && digits[0] == '7':
		digits = "7" + digits // a Kazakh mobile number typed without its country code
	}
	if len(digits) < 8 || len(digits) > 15 || digits[0] == '0' {
		return "", false
	}
	return "+" + digits, true
}
