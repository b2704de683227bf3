package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// CrashReport is what the crash test did.
type CrashReport struct {
	Planned, Crashes int
	// Recovery is how long each restart took until /healthz answered (SQLite replays
	// its WAL on open).
	Recovery []time.Duration
	// ReadBack is how many acknowledged incidents were read back through the API right
	// after a restart, and how many of those were wrong or missing.
	ReadBack, ReadBackBad int
	ReadBackProblems      []string
	DrainErrors           int
	Err                   error
}

// crashLoop kills the server with SIGKILL at random moments spread over the mix,
// restarts it on the same database and lets the clients in again.
func crashLoop(ctx context.Context, cancel context.CancelFunc, cfg Config, srv *server, ph *phase, rep *CrashReport) {
	rnd := rand.New(rand.NewPCG(cfg.Seed, 0xc4a5))
	slot := cfg.Duration / time.Duration(cfg.Crashes+1)
	begin := time.Now()
	for k := range cfg.Crashes {
		// Kill k lands within a quarter slot of the k+1-th slot boundary, measured from
		// the start of the mix (not from the last restart, whose time would push the
		// last kills past the end), at an unpredictable point of the writer's cycle.
		at := begin.Add(time.Duration(k+1)*slot - slot/4 + time.Duration(rnd.Int64N(int64(slot/2))))
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(at)):
		}
		ph.gate.takeDown()
		srv.proc.Kill()
		rep.Crashes++
		start := time.Now()
		if err := srv.start(context.Background()); err != nil {
			rep.Err = fmt.Errorf("loadtest: the server did not come back after kill %d: %w", rep.Crashes, err)
			cancel()
			ph.gate.release()
			return
		}
		rep.Recovery = append(rep.Recovery, time.Since(start))
		ph.gate.bringUp(srv.base)
		readBack(ctx, ph, srv.base, rnd, rep)
	}
}

// readBack asks the restarted server, through the API, for up to 100 incidents that
// were acknowledged before the kill.
func readBack(ctx context.Context, ph *phase, base string, rnd *rand.Rand, rep *CrashReport) {
	incs := ph.ledger.incidents()
	rnd.Shuffle(len(incs), func(i, j int) { incs[i], incs[j] = incs[j], incs[i] })
	cl := &http.Client{Transport: ph.tr, Timeout: 30 * time.Second}
	for _, a := range incs[:min(len(incs), 100)] {
		if ctx.Err() != nil {
			return
		}
		rep.ReadBack++
		if err := readIncident(ctx, cl, base, a); err != nil {
			rep.ReadBackBad++
			if len(rep.ReadBackProblems) < 10 {
				rep.ReadBackProblems = append(rep.ReadBackProblems, err.Error())
			}
		}
	}
}

func readIncident(ctx context.Context, cl *http.Client, base string, a AckedIncident) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/incidents/"+strconv.FormatInt(a.ID, 10), nil)
	req.Header.Set("Authorization", "Bearer "+a.Token)
	resp, err := cl.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("incident %d: %w", a.ID, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("incident %d (%s): status %d: %s", a.ID, a.Sent.ClientID, resp.StatusCode, snippet(body))
	}
	var got struct {
		ID          int64  `json:"id"`
		Station     string `json:"station"`
		Category    string `json:"category"`
		Witnessed   bool   `json:"witnessed"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		return fmt.Errorf("incident %d: unreadable answer: %w", a.ID, err)
	}
	if got.ID != a.ID || got.Station != a.Sent.Station || got.Category != a.Sent.Category ||
		got.Witnessed != a.Sent.Witnessed || got.Description != a.Sent.Description {
		return fmt.Errorf("incident %d (%s): read back as %+v", a.ID, a.Sent.ClientID, got)
	}
	return nil
}
