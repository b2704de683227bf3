package web

import (
	"sync"
	"time"
)

// throttle slows down password guessing: failures are counted per account and per
// client IP in a sliding window; past the limit, sign-in is refused until the window
// moves on. It is in memory: a restart forgives, which is acceptable for a guard whose
// job is to make guessing slow, not to keep records (failures are also audit-logged).
type throttle struct {
	mu      sync.Mutex
	window  time.Duration
	perUser int
	perIP   int
	fails   map[string][]time.Time
	now     func() time.Time
}

func newThrottle() *throttle {
	return &throttle{window: 15 * time.Minute, perUser: 5, perIP: 20, fails: map[string][]time.Time{}, now: time.Now}
}

func (t *throttle) recent(key string) []time.Time {
	cut := t.now().Add(-t.window)
	ts := t.fails[key]
	i := 0
	for i < len(ts) && ts[i].Before(cut) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(t.fails, key)
	} else {
		t.fails[key] = ts
	}
	return ts
}

// blocked reports whether a sign-in for login from ip must wait, and for how long.
func (t *throttle) blocked(login, ip string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	check := func(key string, limit int) time.Duration {
		ts := t.recent(key)
		if len(ts) < limit {
			return 0
		}
		return ts[len(ts)-limit].Add(t.window).Sub(t.now())
	}
	wait := max(check("u:"+login, t.perUser), check("ip:"+ip, t.perIP))
	return wait > 0, wait
}

// fail records a failed sign-in.
func (t *throttle) fail(login, ip string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.fails["u:"+login] = append(t.recent("u:"+login), now)
	t.fails["ip:"+ip] = append(t.recent("ip:"+ip), now)
	if len(t.fails) > 100000 {
		// Bound memory under a spray of logins: forget the oldest windows wholesale.
		for k := range t.fails {
			t.recent(k)
		}
	}
}

// succeed clears the account's failures.
func (t *throttle) succeed(login string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, "u:"+login)
}
