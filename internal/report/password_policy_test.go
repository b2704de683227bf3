package report

import (
	"errors"
	"testing"
)

// Issue 16, finding 9: common passwords, one repeated character and keyboard runs
// (QWERTY and ЙЦУКЕН) are refused, digits and symbols at the end set aside.
func TestPasswordPolicy(t *testing.T) {
	for pw, want := range map[string]string{
		"short":                 PasswordShort,
		"aaaaaaaaaaaa":          PasswordRepeated,
		"password1234":          PasswordCommon,
		"Password2024!":         PasswordCommon,
		"1234567890":            PasswordCommon,
		"qwertyuiop":            PasswordCommon,
		"iloveyou12345":         PasswordCommon,
		"zzzzzzzzzz!!":          PasswordRepeated,
		"ЖЖЖЖЖЖЖЖЖЖ2024":        PasswordRepeated,
		"!!!!!!!!!!!!":          PasswordRepeated,
		"asdfghjkl;123":         PasswordCommon,
		"hgfdsa;lkj99":          "",
		";lkjhgfdsa99":          PasswordKeyboard,
		"lkjhgfdsa2026":         PasswordKeyboard,
		"йцукенгшщз":            PasswordKeyboard,
		"ЙЦУКЕНГШЩЗХЪ99":        PasswordKeyboard,
		"фывапролдж!":           PasswordKeyboard,
		"=-0987654321":          PasswordKeyboard,
		"correct horse battery": "",
		"Steppe wind 42":        "",
		"Қызылорда-2026":        "",
		"demo-password-2026":    "",
		"qwerty-almaty-77":      "",
	} {
		err := CheckPasswordPolicy(pw)
		var pe *PasswordError
		switch {
		case want == "" && err != nil:
			t.Errorf("%q refused: %v", pw, err)
		case want != "" && (!errors.As(err, &pe) || pe.Reason != want):
			t.Errorf("%q: %v, want %s", pw, err, want)
		}
	}
	if n := len(commonPasswords()); n < 4000 {
		t.Errorf("only %d common passwords", n)
	}
}

func FuzzPasswordPolicy(f *testing.F) {
	f.Add("qwerty12345")
	f.Add("йцукен!!!!")
	f.Fuzz(func(t *testing.T, pw string) {
		err := CheckPasswordPolicy(pw)
		var pe *PasswordError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("%q: %v", pw, err)
		}
	})
}
