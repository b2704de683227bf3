package loadtest

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"
)

// gate lets the crash test take the server away under the clients' feet: while it is
// down, clients wait instead of failing; a request that was in flight when the server
// was killed is "interrupted", not an error, and its client retries it later with the
// same client_id, as the offline queue on a phone would.
type gate struct {
	mu   sync.Mutex
	cond *sync.Cond
	gen  int64
	down bool
	base string
}

func newGate(base string) *gate {
	g := &gate{base: base}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// enter waits while the server is down and returns the current generation and base URL.
func (g *gate) enter(ctx context.Context) (int64, string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.down {
		if ctx.Err() != nil {
			return 0, "", ctx.Err()
		}
		g.cond.Wait()
	}
	return g.gen, g.base, ctx.Err()
}

// crashed reports whether the server was killed since generation gen was entered.
func (g *gate) crashed(gen int64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.down || g.gen != gen
}

// takeDown marks the server as going away (before the kill).
func (g *gate) takeDown() {
	g.mu.Lock()
	g.down = true
	g.gen++
	g.mu.Unlock()
}

// bringUp lets clients in again.
func (g *gate) bringUp(base string) {
	g.mu.Lock()
	g.down, g.base = false, base
	g.mu.Unlock()
	g.cond.Broadcast()
}

// release wakes every waiting client (at the end of a run, once ctx is done).
func (g *gate) release() {
	g.mu.Lock()
	g.mu.Unlock()
	g.cond.Broadcast()
}

// worker does one iteration of one client's loop, recording what it did.
type worker interface {
	step(ctx context.Context) error
}

// drive runs one worker per client in a closed loop (each sends its next request as
// soon as the previous one is answered) until ctx ends. A worker's error ends the run.
func drive(ctx context.Context, workers []worker) error {
	var wg sync.WaitGroup
	errs := make([]error, len(workers))
	for i, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := w.step(ctx); err != nil && ctx.Err() == nil {
					errs[i] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// newTransport is shared by every client of a run: one keep-alive connection per
// client, as phones and browsers hold theirs.
func newTransport(clients int) *http.Transport {
	return &http.Transport{
		MaxIdleConns:        clients * 2,
		MaxIdleConnsPerHost: clients * 2,
		MaxConnsPerHost:     0,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}
