package report

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

var electionCodeRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,63}$`)

// ValidateElection checks a new election's fields.
func ValidateElection(code, name, date string) error {
	if !electionCodeRe.MatchString(code) {
		return fmt.Errorf("election code %q: use 2 to 64 lower-case Latin letters, digits and '-' (e.g. kz-2026-parliament)", code)
	}
	if name == "" {
		return errors.New("the election needs a name")
	}
	if _, err := time.Parse("2006-01-02", date); err != nil {
		return fmt.Errorf("election date %q: use YYYY-MM-DD", date)
	}
	return nil
}

// ValidateObserverCode checks a pseudonymous observer code such as OBS-0142.
func ValidateObserverCode(code string) error {
	if !ValidObserverCode(code) {
		return fmt.Errorf("observer code %q: use 2 to 32 Latin letters, digits, '-' or '_' (e.g. OBS-0142)", code)
	}
	return nil
}

// ValidateLogin checks a login name: 3 to 64 letters, digits, '.', '_', '-', '@'.
func ValidateLogin(login string) error {
	if n := len([]rune(login)); n < 3 || n > 64 {
		return errors.New("a login must have 3 to 64 characters")
	}
	for _, r := range login {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@", r)) {
			return fmt.Errorf("a login may contain only Latin letters, digits and . _ - @ (not %q)", r)
		}
	}
	return nil
}

// ErrNoteRequired refuses a rejection without a note: the observer who filed the
// incident, and anyone reading the evidence pack later, must be able to see why.
var ErrNoteRequired = errors.New("say in the note why the incident is rejected")

// MaxNoteLength bounds a verification note, in characters.
const MaxNoteLength = 2000

// ErrNoteTooLong refuses a note over MaxNoteLength characters.
var ErrNoteTooLong = fmt.Errorf("the note may be at most %d characters", MaxNoteLength)

// ValidateDecision checks a coordinator's decision on an incident (a status and
// its note) and gives the note as it is kept: trimmed.
func ValidateDecision(status Status, note string) (string, error) {
	if !ValidStatus(status) {
		return "", fmt.Errorf("%q is not a status (use verified or rejected)", status)
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxNoteLength {
		return "", ErrNoteTooLong
	}
	if status == StatusRejected && note == "" {
		return "", ErrNoteRequired
	}
	return note, nil
}

// MaxTokenName bounds an API token's name, in bytes (it is shown in lists).
const MaxTokenName = 100

// ValidateToken checks a new API token's name and lifetime and gives the name as
// it is kept: trimmed.
func ValidateToken(name string, ttl time.Duration) (string, error) {
	name = strings.TrimSpace(name)
	if len(name) > MaxTokenName {
		return "", fmt.Errorf("a token's name may have at most %d bytes", MaxTokenName)
	}
	if ttl <= 0 {
		return "", errors.New("a token's lifetime must be positive")
	}
	return name, nil
}
