//go:build browser

package browsertest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/web"
)

const (
	password    = "correct horse battery"
	observer    = "aigerim"
	coordinator = "daniyar"
	election    = "kz-2026-test"
)

// env is a running server on a seeded database, with a switch that makes it
// unreachable (connections are dropped, as with a lost signal).
type env struct {
	t     *testing.T
	store *storage.Store
	url   string
	down  atomic.Bool
	// loseAnswers > 0 makes that many form posts run on the server and then lose
	// their answer on the way back (the connection drops after the work is done).
	loseAnswers atomic.Int32
	el          report.Election
	// stations of the election, by code; the observer is assigned to the first.
	stations []report.Station
	obs      report.User
	coord    report.User
	// clock moves the server's time on a TOTP step at each code typed: a step is
	// accepted once, and a test signs the coordinator in more than once a minute.
	clock atomic.Int64
	// srv answers at url (a takeover puts another server there).
	srv atomic.Pointer[http.Handler]
}

// coordTOTP is the coordinator's two-factor secret (coordinators must have one).
const coordTOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

func (e *env) now() time.Time { return time.Now().Add(time.Duration(e.clock.Load())) }

// totpCode moves the clock on a step and returns the code there.
func (e *env) totpCode(secret string) string {
	e.clock.Add(int64(report.TOTPPeriod * time.Second))
	code, err := totp.GenerateCode(secret, e.now())
	must(e.t, err, "a TOTP code")
	return code
}

// ServeHTTP drops the connection while the server is "down", so the browser sees a
// network failure, not an HTTP answer.
type switchable struct {
	e *env
}

func (s switchable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.e.down.Load() {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if r.Method == http.MethodPost && r.URL.Path != "/login" && s.e.loseAnswers.Load() > 0 {
		s.e.loseAnswers.Add(-1)
		s.e.handler().ServeHTTP(httptest.NewRecorder(), r)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	s.e.handler().ServeHTTP(w, r)
}

func (e *env) handler() http.Handler { return *e.srv.Load() }

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	e := &env{t: t}
	st, err := storage.Open(ctx, storage.Options{Path: filepath.Join(dir, "observer.db"), DataDir: filepath.Join(dir, "data"), Now: e.now})
	if err != nil {
		t.Fatal(err)
	}
	e.store = st
	e.seed()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	srv, err := web.New(web.Config{BaseURL: "http://127.0.0.1"}, st, log)
	if err != nil {
		t.Fatal(err)
	}
	// 127.0.0.1 is a secure context, so the browser allows the service worker.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	e.srv.Store(&h)
	hs := &http.Server{Handler: switchable{e}, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	e.url = "http://" + ln.Addr().String()
	t.Cleanup(func() {
		hs.Close()
		st.Close()
	})
	return e
}

// seed makes a small election: three stations in two regions, an observer
// assigned to the first, and a coordinator for the whole country.
func (e *env) seed() {
	ctx := context.Background()
	el, err := e.store.CreateElection(ctx, election, "Test parliamentary election", "2026-03-15", "", report.User{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.el = el
	voters := func(n int64) *int64 { return &n }
	recs := []report.StationRecord{
		{Code: "071-023", Name: "School No. 23", Region: "Almaty", RegionCode: "ALM", District: "Bostandyk", DistrictCode: "ALM-BOS",
			Address: "12 Abay Ave", RegisteredVoters: voters(1840), Timezone: "Asia/Almaty"},
		{Code: "071-024", Name: "Lyceum No. 7", Region: "Almaty", RegionCode: "ALM", District: "Bostandyk", DistrictCode: "ALM-BOS",
			Address: "3 Satpayev St", RegisteredVoters: voters(2210), Timezone: "Asia/Almaty"},
		{Code: "011-005", Name: "House of Culture", Region: "Astana", RegionCode: "AST", Address: "5 Kenesary St",
			RegisteredVoters: voters(1520), Timezone: "Asia/Almaty"},
	}
	if _, err := e.store.ImportStations(ctx, el, recs, report.User{}); err != nil {
		e.t.Fatal(err)
	}
	for _, r := range recs {
		st, err := e.store.StationByCode(ctx, el.ID, r.Code)
		if err != nil {
			e.t.Fatal(err)
		}
		e.stations = append(e.stations, st)
	}
	err = e.store.Write(ctx, func(tx *storage.Tx) error {
		oid, err := storage.EnsureObserver(tx, "OBS-0142", "ALM", report.User{})
		if err != nil {
			return err
		}
		if _, err := storage.SetAssignments(tx, oid, el.ID, []int64{e.stations[0].ID}, report.User{}); err != nil {
			return err
		}
		if _, err := storage.CreateUser(tx, storage.NewUser{Login: observer, Password: password, Role: report.RoleObserver, RegionCode: "ALM", ObserverID: oid}, report.User{}); err != nil {
			return err
		}
		_, err = storage.CreateUser(tx, storage.NewUser{Login: coordinator, Password: password, Role: report.RoleCoordinator}, report.User{})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if e.obs, err = e.store.UserByLogin(ctx, observer); err != nil {
		e.t.Fatal(err)
	}
	if e.coord, err = e.store.UserByLogin(ctx, coordinator); err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.SetTOTPSecret(ctx, e.coord.ID, coordTOTP, report.User{}); err != nil {
		e.t.Fatal(err)
	}
	if e.coord, err = e.store.UserByLogin(ctx, coordinator); err != nil {
		e.t.Fatal(err)
	}
}

// browser starts Chromium. Each person gets a tab in a browser context of their
// own (own cookies, own storage), like two phones.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no browser at %s (apt-get install chromium, or set CHROMIUM): %v", path, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", path, err)
	}
	return bctx
}

// artifacts is where screenshots go: .artifacts/browser at the top of the
// repository, which is git-ignored.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("BROWSER_ARTIFACTS")
	if dir == "" {
		wd, _ := os.Getwd()
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, ".artifacts", "browser")
				break
			}
			if filepath.Dir(d) == d {
				dir = filepath.Join(wd, ".artifacts", "browser")
				break
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func must(t *testing.T, err error, what string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}
