package loadtest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// The floor is the least any server can do per durable submission on this machine: an
// echo handler that decodes the JSON body and does one SQLite INSERT (its own
// transaction) per request. Measured once with synchronous=NORMAL (WAL: no fsync on
// commit) and once with synchronous=FULL (an fsync per request), it brackets what
// Observer's group-commit writer can hope for.

// FloorOptions configure the floor server.
type FloorOptions struct {
	DB          string // database file (created)
	Synchronous string // NORMAL or FULL
	Addr        string // 127.0.0.1:PORT
}

// floorSubmission is the part of the body the floor looks at.
type floorSubmission struct {
	ClientID string `json:"client_id"`
	Station  string `json:"station"`
	Phase    string `json:"phase"`
}

// FloorHandler returns the floor's HTTP handler on an open database.
func FloorHandler(db *sql.DB) http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.POST("/submit", func(c echo.Context) error {
		var raw json.RawMessage
		if err := json.NewDecoder(c.Request().Body).Decode(&raw); err != nil {
			return c.JSON(http.StatusBadRequest, map[string]string{"error": err.Error()})
		}
		var sub floorSubmission
		if err := json.Unmarshal(raw, &sub); err != nil || sub.ClientID == "" {
			return c.JSON(http.StatusBadRequest, map[string]string{"error": "client_id is required"})
		}
		res, err := db.ExecContext(c.Request().Context(),
			"INSERT INTO submissions(client_id, station, phase, body, created_at) VALUES (?, ?, ?, ?, ?)",
			sub.ClientID, sub.Station, sub.Phase, string(raw), time.Now().UTC().Format(time.RFC3339Nano))
		if err != nil {
			return c.JSON(http.StatusInternalServerError, map[string]string{"error": err.Error()})
		}
		id, _ := res.LastInsertId()
		return c.JSON(http.StatusCreated, map[string]int64{"id": id})
	})
	return e
}

// OpenFloorDB opens (creating) the floor's database: WAL, one connection, the given
// synchronous level.
func OpenFloorDB(path, sync string) (*sql.DB, error) {
	if sync != "NORMAL" && sync != "FULL" {
		return nil, fmt.Errorf("floor: synchronous must be NORMAL or FULL, not %q", sync)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+sync+")")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("floor: unable to open %s: %w", path, err)
	}
	// One writer connection, as any SQLite server has: requests queue for it.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS submissions (
		id INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE, station TEXT NOT NULL,
		phase TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("floor: unable to create the table: %w", err)
	}
	return db, nil
}

// ServeFloor runs the floor server until ctx ends.
func ServeFloor(ctx context.Context, opt FloorOptions) error {
	if err := loopbackOnly(opt.Addr); err != nil {
		return err
	}
	db, err := OpenFloorDB(opt.DB, opt.Synchronous)
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := net.Listen("tcp", opt.Addr)
	if err != nil {
		return fmt.Errorf("floor: unable to listen on %s: %w", opt.Addr, err)
	}
	srv := &http.Server{Handler: FloorHandler(db), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// loopbackOnly refuses any address but 127.0.0.1: the tools start servers with
// throw-away accounts and must never be reachable from the network.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if host != "127.0.0.1" {
		return fmt.Errorf("address %q: the load tools listen on 127.0.0.1 only", addr)
	}
	return nil
}
