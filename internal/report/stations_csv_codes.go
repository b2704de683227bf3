package report

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// ValidAreaCode reports whether code can be a region or district code: 1 to 32 Latin
// letters, digits, '-' or '_' (coordinators are limited to a region by this code).
func ValidAreaCode(code string) bool {
	if code == "" || len(code) > 32 {
		return false
	}
	for _, r := range code {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// cyrillicLatin transliterates Russian and Kazakh letters into plain ASCII. Simple and
// fixed on purpose: a region's derived code must never change between imports.
var cyrillicLatin = map[rune]string{
	'а': "a", 'ә': "a", 'б': "b", 'в': "v", 'г': "g", 'ғ': "g", 'д': "d", 'е': "e", 'ё': "yo",
	'ж': "zh", 'з': "z", 'и': "i", 'й': "i", 'к': "k", 'қ': "k", 'л': "l", 'м': "m", 'н': "n",
	'ң': "n", 'о': "o", 'ө': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ұ': "u",
	'ү': "u", 'ф': "f", 'х': "kh", 'һ': "h", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
	'ъ': "", 'ы': "y", 'і': "i", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
}

// DeriveCode makes a stable ASCII code from a region or district name: "Almaty" →
// "almaty", "Абай облысы" → "abai-oblysy", "Île-de-France" → "ile-de-france". Names
// with nothing transliterable get a code from their hash.
func DeriveCode(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(strings.ToLower(strings.TrimSpace(name))) {
		var s string
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			s = string(r)
		case unicode.Is(unicode.Mn, r):
			continue // accents split off by NFD
		default:
			if t, ok := cyrillicLatin[r]; ok {
				s = t
			} else if unicode.IsDigit(r) || unicode.IsLetter(r) {
				s = "" // a script without a transliteration here: hashed below if nothing remains
			} else {
				dash = true
				continue
			}
		}
		if s == "" {
			continue
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteString(s)
	}
	code := b.String()
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(name))))
	hash := hex.EncodeToString(sum[:4])
	switch {
	case code == "":
		return "x-" + hash
	case len(code) > 32:
		return strings.TrimRight(code[:23], "-") + "-" + hash
	}
	return code
}
