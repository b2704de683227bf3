package web

import (
	"strings"
	"testing"
)

// FuzzBotCommand: any text is either not a command or a lower-case command without
// spaces or a bot name, with a trimmed argument taken from the text.
func FuzzBotCommand(f *testing.F) {
	for _, s := range []string{"/start abc", "/START@observer_bot  tok ", "/report", "hello", "", " /cancel", "/", "/@", "071-023 !3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cmd, arg, ok := botCommand(text)
		if !ok {
			if strings.HasPrefix(strings.TrimSpace(text), "/") {
				t.Fatalf("%q not read as a command", text)
			}
			return
		}
		if !strings.HasPrefix(cmd, "/") || strings.ContainsAny(cmd, " @") || cmd != strings.ToLower(cmd) {
			t.Fatalf("%q: command %q", text, cmd)
		}
		if arg != strings.TrimSpace(arg) || !strings.Contains(text, arg) {
			t.Fatalf("%q: argument %q", text, arg)
		}
	})
}

// FuzzButtonData: a button's data never yields an id that is not the positive
// number after the colon, and oversized data nothing at all.
func FuzzButtonData(f *testing.F) {
	for _, s := range []string{"st:12", "st:-1", "st:0", "cat:carousel_voting", "more", "done", "seen:1", ":", "st:99999999999999999999", strings.Repeat("x", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		kind, value, id := buttonData(data)
		if len(data) > 64 && (kind != "" || value != "" || id != 0) {
			t.Fatalf("oversized %q read as %q %q %d", data, kind, value, id)
		}
		if id < 0 || (id > 0 && !strings.HasSuffix(data, ":"+value)) {
			t.Fatalf("%q: id %d from %q", data, id, value)
		}
	})
}
