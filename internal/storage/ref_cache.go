package storage

import (
	"sync"

	"github.com/observerkz/observer/internal/report"
)

// refCache keeps the stations and observer codes the writer resolves, read once
// and then reused while reference_version (moved by triggers on every change to
// stations, regions, districts and observers, from any connection) stays the same.
// Without it every submission read its station and its observer again inside the
// writer: 5 % of a counting form's CPU. Only the writer uses it, with the version
// read in its own transaction; a submission or commit undone empties it, since a
// version seen inside an undone transaction can be counted again by another change.
type refCache struct {
	mu            sync.Mutex
	version       int64
	stations      map[int64]report.Station // by id
	byCode        map[stationKey]int64     // (election, code) → station id
	observerIDs   map[string]int64         // observer code → id, known observers only
	observerCodes map[int64]string
}

type stationKey struct {
	election int64
	code     string
}

// refCacheMax bounds the cache (stations and observers together): the national
// station list of Kazakhstan (~10,000) with its observers fits several times.
const refCacheMax = 1 << 16

// refs is the writer's view of the cache at one version (nil: no cache).
type refs struct {
	c       *refCache
	version int64
}

// valid reports, holding the lock, whether the cache is at the view's version.
func (r *refs) valid() bool { return r != nil && r.c.version == r.version && r.c.stations != nil }

// refGet runs look on the cache when it is at the view's version.
func refGet[T any](r *refs, look func(c *refCache) (T, bool)) (T, bool) {
	var zero T
	if r == nil {
		return zero, false
	}
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	if !r.valid() {
		return zero, false
	}
	return look(r.c)
}

func (r *refs) station(id int64) (report.Station, bool) {
	return refGet(r, func(c *refCache) (report.Station, bool) { st, ok := c.stations[id]; return st, ok })
}

func (r *refs) stationByCode(election int64, code string) (report.Station, bool) {
	return refGet(r, func(c *refCache) (report.Station, bool) {
		id, ok := c.byCode[stationKey{election, code}]
		if !ok {
			return report.Station{}, false
		}
		st, ok := c.stations[id]
		return st, ok
	})
}

func (r *refs) observerID(code string) (int64, bool) {
	return refGet(r, func(c *refCache) (int64, bool) { id, ok := c.observerIDs[code]; return id, ok })
}

func (r *refs) observerCode(id int64) (string, bool) {
	return refGet(r, func(c *refCache) (string, bool) { code, ok := c.observerCodes[id]; return code, ok })
}

// put runs add on the cache when it is at the view's version, starting the cache
// afresh when the view's version is newer; a view older than the cache adds nothing.
func (r *refs) put(add func(c *refCache)) {
	if r == nil {
		return
	}
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	switch {
	case r.c.stations != nil && r.c.version > r.version:
		return
	case r.c.stations == nil || r.c.version < r.version || len(r.c.stations)+len(r.c.observerIDs) >= refCacheMax:
		r.c.version = r.version
		r.c.stations, r.c.byCode = map[int64]report.Station{}, map[stationKey]int64{}
		r.c.observerIDs, r.c.observerCodes = map[string]int64{}, map[int64]string{}
	}
	add(r.c)
}

func (r *refs) putStation(st report.Station) {
	r.put(func(c *refCache) {
		c.stations[st.ID] = st
		c.byCode[stationKey{st.ElectionID, st.Code}] = st.ID
	})
}

func (r *refs) putObserver(id int64, code string) {
	r.put(func(c *refCache) {
		c.observerIDs[code] = id
		c.observerCodes[id] = code
	})
}

// forget empties the cache (see refCache).
func (c *refCache) forget() {
	c.mu.Lock()
	c.stations, c.byCode, c.observerIDs, c.observerCodes = nil, nil, nil, nil
	c.mu.Unlock()
}
