//go:build race

package demo

// raceEnabled: timing checks are loose under the race detector, which slows code 5–10×.
const raceEnabled = true
