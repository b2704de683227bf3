package main

import (
	"runtime/debug"
	"testing"
)

// The server runs its garbage collector at serverGCPercent unless GOGC says
// otherwise.
func TestServerGCPercent(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)

	t.Setenv("GOGC", "")
	tuneGC()
	if got := debug.SetGCPercent(100); got != serverGCPercent {
		t.Errorf("without GOGC: %d, want %d", got, serverGCPercent)
	}
	t.Setenv("GOGC", "50")
	tuneGC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set: the server changed the collector to %d", got)
	}
}
