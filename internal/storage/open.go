// Package storage keeps Observer's data in SQLite. It is the only package that
// writes SQL. Reads go through a pool; every write goes through one writer
// goroutine that commits waiting submissions together (group commit, writer.go);
// SQLite fsyncs each commit (synchronous=FULL) before anyone is answered.
package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/migrations"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// Options configure a Store.
type Options struct {
	// Path is the SQLite database file.
	Path string
	// DataDir holds evidence files and keys outside the database (default: the one
	// recorded by RecordDataDir, else next to Path).
	DataDir string
	// RecordDataDir records an explicit DataDir in the database, for later opens
	// without one (serve --data).
	RecordDataDir bool
	// Synchronous is how durable a write is when answered: FULL (default, durable
	// against power loss: SQLite fsyncs the WAL inside each commit, before any
	// answer) or NORMAL (no fsync; only for benchmarks that measure the floor).
	Synchronous string
	// MaxBatch caps how many submissions one group commit holds (default 256).
	MaxBatch int
	// Now returns the current time (tests may fix it).
	Now func() time.Time
	// Replicating says Litestream replicates the database: it then owns
	// checkpointing, as its documentation asks, and our checkpointer steps aside.
	Replicating bool
}

// Store is the database.
type Store struct {
	path    string
	dataDir string
	rw      *sql.DB
	ro      *sql.DB
	w       *writer
	now     func() time.Time
	sealer  *sealer
	reads   readStmts
	// elections holds the elections read so far, by code and by id (elections.go).
	elections sync.Map
	access    accessMemo // accounts behind tokens and sessions (access.go)
	ckpt      *checkpointer
	// epoch and idFloor are the continuity row's (continuity.go).
	epoch   atomic.Value
	idFloor atomic.Int64
	// signingFP is the fingerprint of the signing key the database recorded;
	// signingMissing why packs cannot be signed here (signing.go).
	signingFP      string
	signingMissing error
}

func dsn(path string, readOnly bool, sync string) string {
	q := url.Values{}
	// busy_timeout first, so the pragmas after it wait rather than fail on a busy file.
	q.Add("_pragma", "busy_timeout(10000)")
	if !readOnly {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "synchronous("+sync+")")
	if !readOnly {
		// The writer's savepoint undo records (the statement journal) stay in memory:
		// they matter only while the transaction is open, and a file for them costs
		// a write per page changed. Durability is the WAL's, which this does not
		// touch. Readers keep temporary files for their large sorts.
		q.Add("_pragma", "temp_store(MEMORY)")
	}
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	}
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Open opens (creating if needed) the database, checks it, and applies migrations.
func Open(ctx context.Context, opt Options) (*Store, error) {
	if opt.Path == "" {
		return nil, errors.New("store: no database path given")
	}
	explicitData := opt.DataDir != ""
	if opt.Synchronous == "" {
		opt.Synchronous = "FULL"
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 256
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if err := checkFile(opt.Path); err != nil {
		return nil, err
	}
	if err := ownerOnly(opt.Path); err != nil {
		return nil, err
	}
	rw, err := sql.Open("sqlite", dsn(opt.Path, false, opt.Synchronous))
	if err != nil {
		return nil, fmt.Errorf("store: unable to open %s: %w", opt.Path, err)
	}
	rw.SetMaxOpenConns(1)
	rw.SetMaxIdleConns(1)
	rw.SetConnMaxLifetime(0)
	s := &Store{path: opt.Path, dataDir: opt.DataDir, rw: rw, now: func() time.Time { return opt.Now().UTC() }}
	if err := s.check(ctx); err != nil {
		rw.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		rw.Close()
		return nil, err
	}
	recorded, err := readDataDirSetting(ctx, rw)
	if err != nil {
		rw.Close()
		return nil, err
	}
	if opt.DataDir == "" {
		// The folder `serve --data` used, so that every later command finds the
		// evidence without being told; else the one next to the database.
		opt.DataDir = recorded
	}
	if opt.DataDir == "" {
		opt.DataDir = strings.TrimSuffix(opt.Path, filepath.Ext(opt.Path)) + "-data"
	}
	s.dataDir = opt.DataDir
	if err := os.MkdirAll(opt.DataDir, 0o700); err != nil {
		rw.Close()
		return nil, fmt.Errorf("store: unable to create data directory %s: %w", opt.DataDir, err)
	}
	if err := os.Chmod(opt.DataDir, 0o700); err != nil {
		rw.Close()
		return nil, fmt.Errorf("store: unable to make %s usable by its owner only: %w", opt.DataDir, err)
	}
	ro, err := sql.Open("sqlite", dsn(opt.Path, true, opt.Synchronous))
	if err != nil {
		rw.Close()
		return nil, fmt.Errorf("store: unable to open %s for reading: %w", opt.Path, err)
	}
	ro.SetMaxOpenConns(8)
	ro.SetMaxIdleConns(8)
	s.ro = ro
	sealed, err := holdsSealedData(ctx, rw)
	if err != nil {
		s.Close()
		return nil, err
	}
	if s.sealer, err = openSealer(opt.DataDir, sealed); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.loadContinuity(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if !opt.Replicating {
		if s.ckpt, err = startCheckpointer(rw, opt.Path, opt.Synchronous); err != nil {
			s.Close()
			return nil, fmt.Errorf("store: unable to open %s for checkpoints: %w", opt.Path, err)
		}
	}
	stmts, err := prepareWriterStatements(ctx, rw)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.w = startWriter(s, opt.MaxBatch, stmts)
	if err := s.openSigning(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.fillPhoneKeys(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.sealClearTOTP(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if explicitData && opt.RecordDataDir {
		if err := s.recordDataDir(ctx, recorded); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// dataDirSetting is the settings key of the data folder `serve --data` named.
const dataDirSetting = "data_dir"

// recordDataDir records the data folder (as an absolute path) when it differs from
// the one recorded.
func readDataDirSetting(ctx context.Context, db *sql.DB) (string, error) {
	recorded := ""
	if err := db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", dataDirSetting).Scan(&recorded); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: unable to read the recorded data folder: %w", err)
	}
	return recorded, nil
}

func (s *Store) recordedDataDir(ctx context.Context) (string, error) {
	return readDataDirSetting(ctx, s.rw)
}

func (s *Store) recordDataDir(ctx context.Context, recorded string) error {
	abs, err := filepath.Abs(s.dataDir)
	if err != nil {
		return fmt.Errorf("store: unable to resolve the data folder %s: %w", s.dataDir, err)
	}
	if abs == recorded {
		return nil
	}
	return s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`INSERT INTO settings(key, value) VALUES (?, ?)
			ON CONFLICT(key) DO UPDATE SET value = excluded.value`, dataDirSetting, abs); err != nil {
			return fmt.Errorf("store: unable to record the data folder: %w", err)
		}
		before, _ := json.Marshal(map[string]string{"data_dir": recorded})
		after, _ := json.Marshal(map[string]string{"data_dir": abs})
		return tx.Audit(report.AuditEntry{Actor: "system", Action: report.AuditUpdate, Entity: "setting",
			EntityID: dataDirSetting, Before: string(before), After: string(after)})
	})
}

// ownerOnly makes the database owner-only before SQLite opens it: a new file is
// created 0600 (SQLite gives its WAL and shared-memory files the database's mode),
// an existing one and its companions are set to 0600. The database holds accounts
// and who filed what; nobody else on the machine needs to read it. (The data
// folder is made 0700 once its place is known.)
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return permissionError(path, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("store: unable to make %s readable by its owner only: %w", p, err)
		}
	}
	return nil
}

// checkFile gives plain errors for the usual mistakes before SQLite gives cryptic ones.
func checkFile(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		dir := filepath.Dir(path)
		if _, err := os.Stat(dir); err != nil {
			return fmt.Errorf("store: the folder %s for the database does not exist", dir)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: unable to read %s: %w", path, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("store: %s is a folder, not a database file", path)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return permissionError(path, err)
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := f.Read(head)
	if n > 0 && string(head[:n]) != "SQLite format 3\x00"[:n] {
		return fmt.Errorf("store: %s is not an Observer database (not an SQLite file)", path)
	}
	return nil
}

func permissionError(path string, err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("store: %s is read-only: Observer needs to write to its database", path)
	}
	return fmt.Errorf("store: unable to open %s: %w", path, err)
}

func (s *Store) check(ctx context.Context) error {
	var res string
	if err := s.rw.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		if strings.Contains(err.Error(), "not a database") {
			return fmt.Errorf("store: %s is not an Observer database: %w", s.path, err)
		}
		if strings.Contains(err.Error(), "readonly") || strings.Contains(err.Error(), "read-only") {
			return fmt.Errorf("store: %s is read-only: %w", s.path, err)
		}
		return fmt.Errorf("store: unable to check %s: %w", s.path, err)
	}
	if res != "ok" {
		return fmt.Errorf("store: %s is damaged (quick_check: %s); restore it from a backup", s.path, res)
	}
	return nil
}

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	ents, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration file %s is not named NNNN_name.sql", name)
		}
		b, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{v, name, string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("store: two migrations numbered %d", ms[i].version)
		}
	}
	return ms, nil
}

// SchemaVersion returns the highest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.rw.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}

func (s *Store) migrate(ctx context.Context) error {
	return migrateTo(ctx, s.rw, -1, s.now)
}

// migrateTo applies migrations up to and including version upTo (-1: all).
func migrateTo(ctx context.Context, db *sql.DB, upTo int, now func() time.Time) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("store: unable to create the schema version table: %w", err)
	}
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	var current int
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current); err != nil {
		return fmt.Errorf("store: unable to read the schema version: %w", err)
	}
	if len(ms) > 0 && current > ms[len(ms)-1].version {
		return fmt.Errorf("store: the database has schema version %d, newer than this build knows (%d): use a newer Observer", current, ms[len(ms)-1].version)
	}
	for _, m := range ms {
		if m.version <= current || (upTo >= 0 && m.version > upTo) {
			continue
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: unable to start migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %s failed: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
			m.version, m.name, fmtTime(now())); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: unable to record migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: unable to commit migration %s: %w", m.name, err)
		}
	}
	return nil
}

// Close stops the writer (after it commits what is queued) and closes the database.
func (s *Store) Close() error {
	if s.w != nil {
		s.w.stop()
	}
	var errs []error
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.close())
	}
	if s.ro != nil {
		s.reads.close()
		errs = append(errs, s.ro.Close())
	}
	errs = append(errs, s.rw.Close())
	return errors.Join(errs...)
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.ro.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// DataDir is where evidence and keys are kept.
func (s *Store) DataDir() string { return s.dataDir }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Now is the store's clock, in UTC.
func (s *Store) Now() time.Time { return s.now() }

// Backup writes a consistent copy of the live database to out (VACUUM INTO).
func (s *Store) Backup(ctx context.Context, out string) error {
	// Made here, empty and owner-only, for VACUUM INTO to fill (it would create
	// the file with the process's umask: readable by everyone, usually).
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("store: %s already exists; choose a new file for the backup", out)
	}
	if err != nil {
		return fmt.Errorf("store: unable to create the backup %s: %w", out, err)
	}
	f.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(out) // an empty or partial file is no backup
		}
	}()
	// The read pool is query_only, which forbids VACUUM INTO; a connection of its own
	// reads a consistent snapshot without holding up the writer.
	db, err := sql.Open("sqlite", dsn(s.path, false, "FULL"))
	if err != nil {
		return fmt.Errorf("store: unable to open %s for a backup: %w", s.path, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", out); err != nil {
		return fmt.Errorf("store: unable to back up to %s: %w", out, err)
	}
	done = true
	return nil
}

const timeLayout = "2006-01-02T15:04:05.000000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func fmtTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func parseTimePtr(s sql.NullString) *time.Time {
	if !s.Valid || s.String == "" {
		return nil
	}
	t := parseTime(s.String)
	return &t
}
