package loadtest

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// TestLoadAndCrash runs both tools briefly against a real server process, so that
// `go test ./...` keeps them working: no failed request, nothing acknowledged lost.
func TestLoadAndCrash(t *testing.T) {
	ctx := context.Background()
	// Under -race the servers are built with it too: the race detector then watches
	// them under concurrent load, and the build reuses the race-built packages.
	bins, err := Build(ctx, t.TempDir(), Binaries{}, raceFlags...)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("load", func(t *testing.T) {
		var out bytes.Buffer
		res, err := Run(ctx, Config{Clients: 4, Duration: 3 * time.Second, FloorDuration: time.Second, Stations: 100,
			Floors: true, Seed: 1, Bins: bins, Out: &out})
		t.Log("\n" + out.String())
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Check(false); err != nil {
			t.Fatal(err)
		}
		if res.FloorNormal.Count == 0 || res.FloorFull.Count == 0 || res.FloorNormalAfter.Count == 0 || res.Submit.Count == 0 {
			t.Errorf("a phase did nothing: floors %d, %d and %d, submit-only %d", res.FloorNormal.Count, res.FloorFull.Count,
				res.FloorNormalAfter.Count, res.Submit.Count)
		}
		for _, k := range append(submitKinds, readKinds...) {
			if res.Mix.Kind(k).Count == 0 {
				t.Errorf("the mix sent no %s", k)
			}
		}
		if res.Verify.Observations == 0 || res.Verify.Incidents == 0 || res.Verify.Evidence == 0 {
			t.Errorf("nothing to verify: %+v", res.Verify)
		}
		if res.Memory.HWM == 0 {
			t.Error("the server's memory was not measured")
		}
	})

	t.Run("crash", func(t *testing.T) {
		var out bytes.Buffer
		res, err := Run(ctx, Config{Clients: 4, Duration: 3 * time.Second, Stations: 100, Crashes: 1, Seed: 2, Bins: bins, Out: &out})
		t.Log("\n" + out.String())
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Check(true); err != nil {
			t.Fatal(err)
		}
		if res.Crash.Crashes != 1 {
			t.Errorf("%d crashes, want 1", res.Crash.Crashes)
		}
		if res.Verify.Observations == 0 {
			t.Errorf("nothing to verify: %+v", res.Verify)
		}
	})
}
