package report

import (
	"strings"
	"testing"
	"time"
)

func TestValidateObserverCode(t *testing.T) {
	for c, ok := range map[string]bool{"OBS-0142": true, "a1": true, "obs_1": true, strings.Repeat("A", 32): true,
		"x": false, "OBS 1": false, "-OBS": false, strings.Repeat("A", 33): false, "ОБС-1": false} {
		if (ValidateObserverCode(c) == nil) != ok || ValidObserverCode(c) != ok {
			t.Errorf("observer code %q: want valid %v", c, ok)
		}
	}
}

func TestValidateDecision(t *testing.T) {
	if n, err := ValidateDecision(StatusRejected, "  photo from 2019 "); err != nil || n != "photo from 2019" {
		t.Errorf("rejection with a note: %q %v", n, err)
	}
	if _, err := ValidateDecision(StatusRejected, " "); err != ErrNoteRequired {
		t.Errorf("rejection without a note: %v", err)
	}
	if _, err := ValidateDecision(StatusVerified, strings.Repeat("я", MaxNoteLength+1)); err != ErrNoteTooLong {
		t.Errorf("a long note: %v", err)
	}
	if _, err := ValidateDecision("lost", ""); err == nil {
		t.Error("an unknown status passed")
	}
	if _, err := ValidateDecision(StatusVerified, ""); err != nil {
		t.Errorf("verified without a note: %v", err)
	}
}

func TestValidateElectionAndLogin(t *testing.T) {
	if ValidateElection("kz-2026", "Election", "2026-03-15") != nil || ValidateElection("KZ", "Election", "2026-03-15") == nil ||
		ValidateElection("kz-2026", "", "2026-03-15") == nil || ValidateElection("kz-2026", "E", "15.03.2026") == nil {
		t.Error("ValidateElection")
	}
	if ValidateLogin("anna.k@x") != nil || ValidateLogin("an") == nil || ValidateLogin("анна") == nil {
		t.Error("ValidateLogin")
	}
}

func TestValidateToken(t *testing.T) {
	if n, err := ValidateToken("  ci  ", time.Hour); err != nil || n != "ci" {
		t.Errorf("a plain name: %q %v", n, err)
	}
	if _, err := ValidateToken(strings.Repeat("x", MaxTokenName+1), time.Hour); err == nil {
		t.Error("a long name passed")
	}
	if _, err := ValidateToken("ci", 0); err == nil {
		t.Error("a lifetime of zero passed")
	}
}
