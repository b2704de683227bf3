package intake

import "testing"

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"+7 701 123 45 67": "+77011234567", "8 701 123 45 67": "+77011234567",
		"8(701)123-45-67": "+77011234567", "77011234567": "+77011234567",
		"7011234567": "+77011234567", "0077011234567": "+77011234567",
		"+44 20 7946 0958": "+442079460958", "hello": "", "": "", "+": "", "12": "",
		"+7 701 123 45 67 ext": "",
	} {
		got, ok := NormalizePhone(in)
		if got != want || ok != (want != "") {
			t.Errorf("%q: %q %v, want %q", in, got, ok, want)
		}
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+7 701 123 45 67", "8 (701) 1234567", "00441234", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, ok := NormalizePhone(s)
		if !ok {
			return
		}
		again, ok2 := NormalizePhone(e)
		if !ok2 || again != e {
			t.Fatalf("%q -> %q -> %q", s, e, again)
		}
	})
}
