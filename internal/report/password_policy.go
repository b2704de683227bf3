package report

import (
	"bufio"
	_ "embed"
	"strings"
	"sync"
	"unicode"
)

// Why a password is refused; each is a catalogue key's last part (auth.password_…).
const (
	PasswordShort    = "short"
	PasswordCommon   = "common"
	PasswordRepeated = "repeated"
	PasswordKeyboard = "keyboard"
)

// PasswordError refuses a password and says why.
type PasswordError struct{ Reason string }

func (e *PasswordError) Error() string {
	switch e.Reason {
	case PasswordCommon:
		return "the password is one of the most common passwords (with or without digits at the end); choose another"
	case PasswordRepeated:
		return "the password is one character repeated (apart from digits or symbols at the end); choose another"
	case PasswordKeyboard:
		return "the password is a run of keys along one keyboard row, like qwerty or йцукен (apart from digits or symbols at the end); choose another"
	}
	return ErrWeakPassword.Error()
}

//go:embed passwords/common.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 5000)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" {
			m[strings.ToLower(w)] = struct{}{}
		}
	}
	return m
})

// keyboardRows are the rows of the Latin QWERTY and Cyrillic ЙЦУКЕН layouts (with
// the Kazakh one's number row), lower case, shifted symbols as rows of their own.
var keyboardRows = []string{
	"`1234567890-=", "~!@#$%^&*()_+", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./", "asdfghjkl:\"", "zxcvbnm<>?",
	"ё1234567890-=", "йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю.", "әіңғ,.үұқөһ",
}

// CheckPasswordPolicy refuses a password that is too short, common, or, once digits and
// symbols at its end are set aside ("qwerty2024!"), one repeated character or a
// run along one keyboard row, forwards or backwards. It returns a *PasswordError.
func CheckPasswordPolicy(pw string) error {
	if len([]rune(pw)) < MinPasswordLength {
		return &PasswordError{Reason: PasswordShort}
	}
	lower := strings.ToLower(pw)
	core := strings.TrimRightFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	if core == "" {
		core = lower // all digits and symbols: "1234567890", "!!!!!!!!!!"
	}
	if _, ok := commonPasswords()[lower]; ok {
		return &PasswordError{Reason: PasswordCommon}
	}
	if _, ok := commonPasswords()[core]; ok {
		return &PasswordError{Reason: PasswordCommon}
	}
	rs := []rune(core)
	if strings.Count(core, string(rs[0])) == len(rs) {
		return &PasswordError{Reason: PasswordRepeated}
	}
	if keyboardRun(core) {
		return &PasswordError{Reason: PasswordKeyboard}
	}
	return nil
}

func keyboardRun(s string) bool {
	rev := []rune(s)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	for _, row := range keyboardRows {
		if strings.Contains(row, s) || strings.Contains(row, string(rev)) {
			return true
		}
	}
	return false
}
