package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// ElectionCode is the election every run creates in its fresh database.
const ElectionCode = "load-test"

// Account is one throw-away account of a run.
type Account struct {
	Login, Password, Token string
	ObserverCode           string
	Stations               []string // codes of the stations assigned (observers)
}

// Fixture is what a fresh database holds before the load starts.
type Fixture struct {
	Election     string
	Stations     []string
	Observers    []Account
	Coordinators []Account
	// staff keeps the sessions of staff accounts once they passed two-factor
	// sign-in (coordinators must have it): a TOTP code counts once, so every
	// coordinator client of an account shares the account's one session.
	staff *staffSessions
}

// SetupOptions size the fixture.
type SetupOptions struct {
	DB, DataDir  string
	Stations     int
	Observers    int
	Coordinators int
}

// setupActor is the audit log's name for the fixture's changes.
var setupActor = report.User{Login: "loadtest"}

// Setup creates the election, its stations, observers with assignments, their accounts
// and API tokens in a fresh database, through the same storage calls the CLI uses
// (election add, import stations, import observers, user add, token add).
func Setup(ctx context.Context, opt SetupOptions) (Fixture, error) {
	fx := Fixture{Election: ElectionCode, staff: &staffSessions{}}
	st, err := storage.Open(ctx, storage.Options{Path: opt.DB, DataDir: opt.DataDir})
	if err != nil {
		return fx, err
	}
	defer st.Close()
	el, err := st.CreateElection(ctx, ElectionCode, "Load test election", time.Now().Format("2006-01-02"), "", setupActor)
	if err != nil {
		return fx, fmt.Errorf("loadtest: unable to create the election: %w", err)
	}
	recs := stationRecords(opt.Stations)
	if _, err := st.ImportStations(ctx, el, recs, setupActor); err != nil {
		return fx, fmt.Errorf("loadtest: unable to import the stations: %w", err)
	}
	for _, r := range recs {
		fx.Stations = append(fx.Stations, r.Code)
	}
	pw := randomHex(12)
	perObserver := max(1, (len(fx.Stations)+opt.Observers-1)/opt.Observers)
	var obs []report.ObserverRecord
	for i := range opt.Observers {
		a := Account{Login: fmt.Sprintf("obs%04d", i+1), Password: pw, ObserverCode: fmt.Sprintf("OBS-%04d", i+1)}
		// The observers share out every station (each account stands for many
		// people), so that the burst lands all over the country as on election night.
		for j := i; j < len(fx.Stations) && len(a.Stations) < perObserver; j += opt.Observers {
			a.Stations = append(a.Stations, fx.Stations[j])
		}
		if len(a.Stations) == 0 {
			a.Stations = []string{fx.Stations[i%len(fx.Stations)]}
		}
		fx.Observers = append(fx.Observers, a)
		obs = append(obs, report.ObserverRecord{Code: a.ObserverCode, Stations: a.Stations, SetStations: true})
	}
	if _, err := st.ImportObservers(ctx, el, obs, setupActor); err != nil {
		return fx, fmt.Errorf("loadtest: unable to import the observers: %w", err)
	}
	for i := range opt.Coordinators {
		fx.Coordinators = append(fx.Coordinators, Account{Login: fmt.Sprintf("coord%02d", i+1), Password: pw})
	}
	if err := createAccounts(ctx, st, fx); err != nil {
		return fx, err
	}
	return fx, nil
}

// createAccounts makes the accounts and their tokens. Password hashing (argon2id) is
// the slow part: the accounts are created in parallel writes, which the writer
// commits in groups.
func createAccounts(ctx context.Context, st *storage.Store, fx Fixture) error {
	type job struct {
		a    *Account
		role report.Role
	}
	var jobs []job
	for i := range fx.Observers {
		jobs = append(jobs, job{&fx.Observers[i], report.RoleObserver})
	}
	for i := range fx.Coordinators {
		jobs = append(jobs, job{&fx.Coordinators[i], report.RoleCoordinator})
	}
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = createAccount(ctx, st, j.a, j.role)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func createAccount(ctx context.Context, st *storage.Store, a *Account, role report.Role) error {
	var uid int64
	err := st.Write(ctx, func(tx *storage.Tx) error {
		var oid int64
		if a.ObserverCode != "" {
			var err error
			if oid, err = storage.EnsureObserver(tx, a.ObserverCode, "", setupActor); err != nil {
				return err
			}
		}
		var err error
		uid, err = storage.CreateUser(tx, storage.NewUser{Login: a.Login, Password: a.Password, Role: role, ObserverID: oid}, setupActor)
		return err
	})
	if err != nil {
		return fmt.Errorf("loadtest: unable to create account %s: %w", a.Login, err)
	}
	if a.Token, err = st.CreateAPIToken(ctx, uid, setupActor); err != nil {
		return fmt.Errorf("loadtest: unable to create a token for %s: %w", a.Login, err)
	}
	return nil
}

// stationRecords makes n stations in 17 regions, 10 districts each.
func stationRecords(n int) []report.StationRecord {
	regions := []string{"Abai", "Akmola", "Aktobe", "Almaty Region", "Atyrau", "West Kazakhstan", "Jambyl",
		"Jetisu", "Karaganda", "Kostanay", "Kyzylorda", "Mangystau", "Pavlodar", "North Kazakhstan",
		"Turkistan", "Ulytau", "East Kazakhstan"}
	recs := make([]report.StationRecord, 0, n)
	for i := range n {
		r := i % len(regions)
		d := (i / len(regions)) % 10
		voters := int64(800 + (i*37)%2200)
		recs = append(recs, report.StationRecord{
			Code:             fmt.Sprintf("%03d-%04d", r+1, i+1),
			Name:             fmt.Sprintf("Polling station No. %d", i+1),
			Region:           regions[r],
			RegionCode:       fmt.Sprintf("R%02d", r+1),
			District:         fmt.Sprintf("%s district %d", regions[r], d+1),
			DistrictCode:     fmt.Sprintf("R%02d-D%02d", r+1, d+1),
			RegisteredVoters: &voters,
			Timezone:         "Asia/Almaty",
		})
	}
	return recs
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
