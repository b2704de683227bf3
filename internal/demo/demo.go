// Package demo builds a believable synthetic election to show Observer with: the
// regions of Kazakhstan with their districts, about 10,000 polling stations, a few
// hundred observers with sealed fake contact details, and demo accounts. It goes
// through the same import functions as a real CSV file, and the same seed always
// gives the same election.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The demo election.
const (
	ElectionCode = "kz-demo-2026"
	ElectionName = "Demo: early parliamentary election"
	ElectionDate = "2026-03-15"
)

// Password is every demo account's password (printed at start: this is a demo).
const Password = "demo-password-2026"

// Options size the demo.
type Options struct {
	Stations  int    // polling stations (default 10,000)
	Observers int    // observers (default one per 30 stations, at least 10)
	Incidents int    // for generators that add reports (default 300)
	Seed      uint64 // the same seed gives the same election
	Log       *slog.Logger
}

// Observer is a demo observer with the stations it is assigned to.
type Observer struct {
	report.Observer
	Stations []report.Station
	User     *report.User // the account that is this observer, if any
}

// World is what the base data made, for generators that add to it.
type World struct {
	Store     *storage.Store
	Election  report.Election
	Options   Options
	Rand      *rand.Rand // the generator's own stream, derived from the seed
	Stations  []report.Station
	Observers []Observer
	Users     map[string]report.User // by login
}

// Extra adds data to a fresh demo election (observations, incidents …).
type Extra func(ctx context.Context, w *World) error

type generator struct {
	name string
	fn   Extra
}

// generators run in the order they were registered, after the base data.
var generators []generator

// Register adds a generator; call it from an init function in this package.
func Register(name string, fn Extra) { generators = append(generators, generator{name, fn}) }

// Login is one demo account.
type Login struct {
	Login, Role, Region, Observer string
}

// Result says what Build did.
type Result struct {
	Election  report.Election
	Created   bool // false: the database had the demo election already
	Stations  int
	Observers int
	Logins    []Login
}

// ErrNotDemo is returned for a database that holds other elections: the demo never
// mixes its synthetic data into real data.
var ErrNotDemo = errors.New("this database holds other elections; the demo needs a file of its own (e.g. --db demo.db)")

// actor is the audit log's name for what the demo writes.
var actor = report.User{Login: "demo"}

// Build creates the demo election in store, or reuses it when it is there already.
func Build(ctx context.Context, store *storage.Store, opt Options) (Result, error) {
	if opt.Stations <= 0 {
		opt.Stations = 10000
	}
	if opt.Observers <= 0 {
		opt.Observers = max(10, opt.Stations/30)
	}
	if opt.Incidents < 0 {
		opt.Incidents = 0
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	res := Result{Logins: logins()}
	el, err := store.ElectionByCode(ctx, ElectionCode)
	if err == nil {
		res.Election = el
		counts, err := store.CountStations(ctx, el.ID)
		res.Stations = counts.Stations
		return res, err
	}
	if !errors.Is(err, report.ErrNotFound) {
		return res, err
	}
	if els, err := store.Elections(ctx); err != nil {
		return res, err
	} else if len(els) > 0 {
		return res, ErrNotDemo
	}
	start := time.Now()
	if el, err = store.CreateElection(ctx, ElectionCode, ElectionName, ElectionDate, "", actor); err != nil {
		return res, err
	}
	res.Election, res.Created = el, true
	rng := rand.New(rand.NewPCG(opt.Seed, 0x0b5e7e7))
	recs := Stations(rng, opt.Stations)
	counts, err := store.ImportStations(ctx, el, recs, actor)
	if err != nil {
		return res, fmt.Errorf("demo: stations: %w", err)
	}
	res.Stations = counts.Added
	opt.Log.Info("demo stations", "count", counts.Added, "ms", time.Since(start).Milliseconds())
	obs := Observers(rng, recs, opt.Observers)
	if _, err := store.ImportObservers(ctx, el, obs, actor); err != nil {
		return res, fmt.Errorf("demo: observers: %w", err)
	}
	res.Observers = len(obs)
	w, err := world(ctx, store, el, opt)
	if err != nil {
		return res, err
	}
	if err := accounts(ctx, store, w); err != nil {
		return res, err
	}
	for i, g := range generators {
		w.Rand = rand.New(rand.NewPCG(opt.Seed, uint64(i+1)))
		gstart := time.Now()
		if err := g.fn(ctx, w); err != nil {
			return res, fmt.Errorf("demo: %s: %w", g.name, err)
		}
		opt.Log.Info("demo generator", "name", g.name, "ms", time.Since(gstart).Milliseconds())
	}
	opt.Log.Info("demo built", "ms", time.Since(start).Milliseconds())
	return res, nil
}

// world reads back what the import made, with database ids, for the generators.
func world(ctx context.Context, store *storage.Store, el report.Election, opt Options) (*World, error) {
	w := &World{Store: store, Election: el, Options: opt, Users: map[string]report.User{}}
	var err error
	if w.Stations, err = store.ElectionStations(ctx, el.ID); err != nil {
		return nil, err
	}
	byID := make(map[int64]report.Station, len(w.Stations))
	for _, st := range w.Stations {
		byID[st.ID] = st
	}
	after := ""
	for {
		page, err := store.Roster(ctx, storage.RosterFilter{ElectionID: el.ID, After: after, Limit: 500})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			o := Observer{Observer: e.Observer}
			sts, err := store.AssignedStations(ctx, e.ID, el.ID)
			if err != nil {
				return nil, err
			}
			o.Stations = sts
			w.Observers = append(w.Observers, o)
		}
		after = page[len(page)-1].Code
	}
	return w, nil
}

// demoAccounts are the demo's logins: observers 1–3 are the first three observers
// (all in Almaty), so the region-limited coordinator sees them.
var demoAccounts = []struct {
	login  string
	role   report.Role
	region string
	obs    int // 1-based index into the observers, 0 for none
}{
	{"admin", report.RoleAdmin, "", 0},
	{"coordinator", report.RoleCoordinator, "", 0},
	{"coordinator-almaty", report.RoleCoordinator, "almaty", 0},
	{"observer1", report.RoleObserver, "almaty", 1},
	{"observer2", report.RoleObserver, "almaty", 2},
	{"observer3", report.RoleObserver, "almaty", 3},
}

func logins() []Login {
	var out []Login
	for _, a := range demoAccounts {
		l := Login{Login: a.login, Role: string(a.role), Region: a.region}
		if a.obs > 0 {
			l.Observer = observerCode(a.obs)
		}
		out = append(out, l)
	}
	return out
}

func accounts(ctx context.Context, store *storage.Store, w *World) error {
	err := store.Write(ctx, func(tx *storage.Tx) error {
		for _, a := range demoAccounts {
			nu := storage.NewUser{Login: a.login, Password: Password, Role: a.role, RegionCode: a.region}
			if a.obs > 0 {
				if a.obs > len(w.Observers) {
					continue
				}
				nu.ObserverID = w.Observers[a.obs-1].ID
			}
			if _, err := storage.CreateUser(tx, nu, actor); err != nil {
				return fmt.Errorf("demo: account %s: %w", a.login, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, a := range demoAccounts {
		u, err := store.UserByLogin(ctx, a.login)
		if errors.Is(err, report.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		w.Users[a.login] = u
		if a.obs > 0 {
			w.Observers[a.obs-1].User = &u
		}
	}
	return nil
}
