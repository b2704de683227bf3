package results

import (
	"context"
	"errors"
	"strings"
	"sync"
)

// Source is what the service reads: the store satisfies it.
type Source interface {
	ResultVersions(ctx context.Context, electionID int64) ([]Version, error)
	ResultSet(ctx context.Context, v Version, region string) (*Set, error)
	CountingProtocols(ctx context.Context, electionID int64, region string) ([]Observation, error)
}

// Errors a caller turns into a clear refusal.
var (
	ErrNoResults = errors.New("this election has no official results yet (observer import results)")
	ErrNoVersion = errors.New("no results version with this label")
)

// Service answers the comparison and the forensics for the command line and the
// web, keeping each computed forensics document: a version never changes, so a
// document is kept per version, leader, seed and replicates.
type Service struct {
	src   Source
	mu    sync.Mutex
	cache map[cacheKey]*cached
}

type cacheKey struct {
	version    int64
	leader     string
	seed       uint64
	replicates int
	smallN     int
}

type cached struct {
	once sync.Once
	an   *Analysis
	err  error
}

// maxCached bounds the documents kept (each about 50 KB per region with its histograms).
const maxCached = 16

// NewService reads through src.
func NewService(src Source) *Service {
	return &Service{src: src, cache: map[cacheKey]*cached{}}
}

// Version is the version labelled label, or the latest when label is "".
func (s *Service) Version(ctx context.Context, electionID int64, label string) (Version, []Version, error) {
	vs, err := s.src.ResultVersions(ctx, electionID)
	if err != nil {
		return Version{}, nil, err
	}
	if len(vs) == 0 {
		return Version{}, vs, ErrNoResults
	}
	v, ok := Pick(vs, label)
	if !ok {
		return v, vs, ErrNoVersion
	}
	return v, vs, nil
}

// Discrepancies compares the observers' protocol figures with the version
// labelled label (the latest when ""), in one region or all ("").
// With no results at all there is nothing to differ from: no rows.
func (s *Service) Discrepancies(ctx context.Context, electionID int64, label, region string) (Version, []Discrepancy, error) {
	v, _, err := s.Version(ctx, electionID, label)
	if errors.Is(err, ErrNoResults) && label == "" {
		return v, []Discrepancy{}, nil
	}
	if err != nil {
		return v, nil, err
	}
	set, err := s.src.ResultSet(ctx, v, region)
	if err != nil {
		return v, nil, err
	}
	obs, err := s.src.CountingProtocols(ctx, electionID, region)
	if err != nil {
		return v, nil, err
	}
	if region != "" {
		// The leader is the whole election's, not the region's.
		all, err := s.src.ResultSet(ctx, v, "")
		if err != nil {
			return v, nil, err
		}
		lead, _ := LeaderIndex(v.Candidates, all.Input("").Stations, "")
		return v, compareWithLeader(set, obs, lead), nil
	}
	return v, Compare(set, obs), nil
}

// Forensics is the forensics document of a version (latest when label is ""),
// narrowed to opt.Region when given. The whole election's document is computed
// once and kept; a region's is cut from it (a station draws the same in both).
func (s *Service) Forensics(ctx context.Context, election string, electionID int64, label string, opt Options) (*Analysis, error) {
	v, _, err := s.Version(ctx, electionID, label)
	if err != nil {
		return nil, err
	}
	if opt.Replicates <= 0 {
		opt.Replicates = DefaultReplicates
	}
	if opt.SmallN <= 0 {
		opt.SmallN = DefaultSmallN
	}
	region := opt.Region
	opt.Region = ""
	key := cacheKey{version: v.ID, leader: strings.ToLower(opt.Leader), seed: opt.Seed, replicates: opt.Replicates, smallN: opt.SmallN}
	s.mu.Lock()
	c, ok := s.cache[key]
	if !ok {
		if len(s.cache) >= maxCached {
			clear(s.cache)
		}
		c = &cached{}
		s.cache[key] = c
	}
	s.mu.Unlock()
	c.once.Do(func() {
		set, err := s.src.ResultSet(ctx, v, "")
		if err != nil {
			c.err = err
			return
		}
		c.an, c.err = Forensics(set.Input(election), opt)
	})
	if c.err != nil {
		s.mu.Lock()
		if s.cache[key] == c && !errors.Is(c.err, ErrUnknownLeader) {
			delete(s.cache, key) // a failed read is tried again next time
		}
		s.mu.Unlock()
		return nil, c.err
	}
	if region == "" {
		return c.an, nil
	}
	return c.an.Narrow(region), nil
}

// Narrow is the document of one region, as Forensics with Options.Region computes it.
func (an *Analysis) Narrow(region string) *Analysis {
	d := an.Doc
	out := &Analysis{Doc: Document{Election: d.Election, Version: d.Version, Leader: d.Leader, Seed: d.Seed, Regions: []Region{}}}
	for i, r := range d.Regions {
		if r.Region != region {
			continue
		}
		out.Doc.StationsTotal, out.Doc.StationsIncluded = r.StationsTotal, r.StationsIncluded
		out.Doc.TurnoutPct, out.Doc.LeaderPct = r.TurnoutPct, r.LeaderPct
		out.Doc.Integer, out.Doc.LastDigit = r.Integer, r.LastDigit
		out.Doc.Regions = append(out.Doc.Regions, r)
		out.Hist = an.RegionHist[i]
		out.RegionHist = []Histograms{an.RegionHist[i]}
	}
	return out
}
