//go:build !race

package loadtest

var raceFlags []string
