package intake

import (
	"strings"
	"unicode/utf8"
)

// lookAlike maps the Cyrillic letters that look like Latin ones to those Latin
// letters (upper case): phones switch keyboards, codes must not care.
var lookAlike = map[rune]rune{
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O',
	'Р': 'P', 'С': 'C', 'Т': 'T', 'Х': 'X', 'У': 'Y',
	'а': 'A', 'в': 'B', 'е': 'E', 'к': 'K', 'м': 'M', 'н': 'H', 'о': 'O',
	'р': 'P', 'с': 'C', 'т': 'T', 'х': 'X', 'у': 'Y',
}

// foldLetters upper-cases s and reads Cyrillic look-alikes as Latin letters.
func foldLetters(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if l, ok := lookAlike[r]; ok {
			r = l
		}
		b.WriteString(strings.ToUpper(string(r)))
	}
	return b.String()
}

// digitLike reads the letters typed for digits: O for 0, l, I and І for 1. It
// expects its input already folded (upper case, Latin look-alikes).
func digitLike(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case 'O':
			return '0'
		case 'I', 'L', 'І':
			return '1'
		}
		return r
	}, s)
}

// StationKey is the form of a station code that a typed code is compared in:
// look-alikes folded, upper case, O read as 0 and l/I/І as 1. Both sides of the
// comparison go through it, so codes with letters still match themselves.
func StationKey(code string) string {
	return digitLike(foldLetters(dashes.Replace(strings.TrimSpace(code))))
}

// dashes are what phones' keyboards and autocorrection put for a hyphen.
var dashes = strings.NewReplacer("‐", "-", "‑", "-", "‒", "-", "–", "-", "—", "-", "−", "-")

// number reads a whole number typed with look-alike digits; ok is false for
// anything else (a sign is allowed: validation then names a negative figure).
func number(tok string) (n int64, ok bool) {
	s := digitLike(foldLetters(tok))
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	if s == "" || len(s) > 12 {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int64(r-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// smallNumber reads a category, phase or question number (1 to 4 digits).
func smallNumber(tok string) (int, bool) {
	if tok == "" || utf8.RuneCountInString(tok) > 4 || strings.HasPrefix(tok, "-") {
		return 0, false
	}
	n, ok := number(tok)
	return int(n), ok
}
