package results

import (
	"strings"
	"time"
)

// Version is one import of an election's official results.
type Version struct {
	ID         int64
	ElectionID int64
	Label      string
	Source     string
	Candidates []string
	Stations   int
	SHA256     string // of the imported file
	CreatedBy  int64
	CreatedAt  time.Time
}

// Set is one version's results, read back for the comparison and the forensics.
type Set struct {
	Version     Version
	Rows        []StationRow
	RegionNames map[string]string
}

// StationRow is a station's official result with where it is.
type StationRow struct {
	Row
	StationID  int64
	RegionCode string
}

// Input is the set as the forensics read it.
func (s *Set) Input(election string) Input {
	in := Input{Election: election, Version: s.Version.Label, Candidates: s.Version.Candidates, RegionNames: s.RegionNames,
		Stations: make([]Station, len(s.Rows))}
	for i, r := range s.Rows {
		in.Stations[i] = Station{Code: r.Station, Region: r.RegionCode, Registered: r.Registered, Issued: r.Issued,
			Valid: r.Valid, Invalid: r.Invalid, Votes: r.Votes}
	}
	return in
}

// ValidLabel reports whether a version label is usable: 1–40 letters, digits, _ - .
func ValidLabel(label string) bool {
	if label == "" || len(label) > 40 {
		return false
	}
	return !strings.ContainsFunc(label, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.')
	})
}

// Latest is the version used when none is chosen: the last imported.
func Latest(vs []Version) (Version, bool) {
	var best Version
	for _, v := range vs {
		if v.ID > best.ID {
			best = v
		}
	}
	return best, best.ID != 0
}

// Pick finds the version labelled label, or the latest when label is "".
func Pick(vs []Version, label string) (Version, bool) {
	if label == "" {
		return Latest(vs)
	}
	for _, v := range vs {
		if v.Label == label {
			return v, true
		}
	}
	return Version{}, false
}
