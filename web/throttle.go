package web

import (
	"sync"
	"time"
)

// throttle slows down password and code guessing with growing delays, counted per
// (account, address) pair and per address, never per account alone: someone
// else's wrong guesses, from elsewhere, can never keep the right person out, while
// one address guessing at one account, or at many, soon waits minutes between
// tries. It is in memory: a restart forgives, which is acceptable for a guard whose
// job is to make guessing slow, not to keep records (failures are audit-logged).
type throttle struct {
	mu    sync.Mutex
	fails map[string]failures
	now   func() time.Time
}

type failures struct {
	n    int
	last time.Time
}

const (
	// pairFree and addrFree are the failures let through before any wait: a person
	// mistyping a password a few times, an office behind one address.
	pairFree = 3
	addrFree = 20
	// maxWait caps the wait between tries; forgetAfter is how long after the last
	// failure the count starts again.
	maxWait     = 15 * time.Minute
	forgetAfter = time.Hour
	maxTracked  = 100000
)

func newThrottle() *throttle {
	return &throttle{fails: map[string]failures{}, now: time.Now}
}

func pairKey(login, addr string) string { return "p:" + login + "\x00" + addr }
func addrKey(addr string) string        { return "a:" + addr }

// wait is how long after its last failure a key must rest: none for the first
// free failures, then 1 s, doubling with each failure, up to maxWait.
func wait(n, free int) time.Duration {
	if n < free {
		return 0
	}
	return min(time.Second<<min(n-free, 20), maxWait)
}

// get returns a key's failures, forgetting them once old.
func (t *throttle) get(key string) failures {
	f, ok := t.fails[key]
	if ok && t.now().Sub(f.last) >= forgetAfter {
		delete(t.fails, key)
		return failures{}
	}
	return f
}

// blocked reports whether a sign-in for login from addr must wait, and for how long.
func (t *throttle) blocked(login, addr string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	rest := func(key string, free int) time.Duration {
		f := t.get(key)
		return f.last.Add(wait(f.n, free)).Sub(now)
	}
	w := max(rest(pairKey(login, addr), pairFree), rest(addrKey(addr), addrFree))
	return w > 0, max(w, 0)
}

// fail records a failed sign-in (a wrong password or code).
func (t *throttle) fail(login, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.fails) >= maxTracked {
		// Bound memory under a spray of logins: forget the old, and if that is not
		// enough, start again (every address then has its free tries once more).
		for k := range t.fails {
			t.get(k)
		}
		if len(t.fails) >= maxTracked {
			clear(t.fails)
		}
	}
	for _, k := range []string{pairKey(login, addr), addrKey(addr)} {
		f := t.get(k)
		t.fails[k] = failures{n: f.n + 1, last: now}
	}
}

// succeed clears the pair's failures (the address's stay: a right password for one
// account says nothing about its guesses at others).
func (t *throttle) succeed(login, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, pairKey(login, addr))
}
