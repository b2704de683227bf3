package storage

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// setFsync replaces the syncer's fsync (tests only).
func (s *walSyncer) setFsync(f func(*os.File) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fsync = f
}

// The writer's connection runs at synchronous=NORMAL only because the syncer
// fsyncs the WAL before any answer: nobody hears "saved" before the fsync has
// returned, and the submissions that arrive meanwhile run in the next group.
func TestAnswersWaitForTheWALFsync(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if s.w.sync == nil {
		t.Fatal("a durable store has no WAL syncer")
	}
	var level int
	if err := s.rw.QueryRow("PRAGMA synchronous").Scan(&level); err != nil || level != 1 {
		t.Fatalf("writer connection at synchronous=%d (%v), want 1 (NORMAL) with the syncer", level, err)
	}
	var calls atomic.Int32
	entered := make(chan struct{}, 16)
	release := make(chan struct{})
	s.w.sync.setFsync(func(f *os.File) error {
		calls.Add(1)
		entered <- struct{}{}
		<-release
		return f.Sync()
	})
	first := make(chan error, 1)
	go func() {
		first <- s.Write(ctx, func(tx *Tx) error {
			_, err := tx.exec("INSERT INTO settings(key, value) VALUES ('walsync-1', 'x')")
			return err
		})
	}()
	<-entered // the first group is committed and its fsync under way
	ran := make(chan struct{})
	second := make(chan error, 1)
	go func() {
		second <- s.Write(ctx, func(tx *Tx) error {
			close(ran)
			_, err := tx.exec("INSERT INTO settings(key, value) VALUES ('walsync-2', 'y')")
			return err
		})
	}()
	select {
	case <-ran: // the next submission runs while the disk works
	case <-time.After(10 * time.Second):
		t.Fatal("the writer waited for the fsync before running the next submission")
	}
	select {
	case err := <-first:
		t.Fatalf("answered (%v) before its fsync returned", err)
	case err := <-second:
		t.Fatalf("answered (%v) before any fsync covered it", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	for i, c := range []chan error{first, second} {
		if err := <-c; err != nil {
			t.Fatalf("write %d: %v", i+1, err)
		}
	}
	if calls.Load() < 2 {
		t.Fatalf("%d fsyncs for two groups committed one after the other", calls.Load())
	}
}

// After a failed fsync nothing is answered as saved: the group gets the error,
// and every later write is refused without running.
func TestFailedFsyncRefusesLaterWrites(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	diskErr := errors.New("input/output error")
	s.w.sync.setFsync(func(*os.File) error { return diskErr })
	err := s.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec("INSERT INTO settings(key, value) VALUES ('lost', 'x')")
		return err
	})
	if !errors.Is(err, ErrStorageFailed) || !errors.Is(err, diskErr) {
		t.Fatalf("write with a failing fsync: %v, want ErrStorageFailed and the disk's error", err)
	}
	s.w.sync.setFsync((*os.File).Sync)
	ran := false
	err = s.Write(ctx, func(tx *Tx) error { ran = true; return nil })
	if !errors.Is(err, ErrStorageFailed) || ran {
		t.Fatalf("write after a failed fsync: %v (ran: %v), want it refused", err, ran)
	}
}

// A store opened at synchronous=NORMAL (benchmarks of the floor) has no syncer,
// and a store whose WAL cannot be opened keeps SQLite's own fsync in each commit.
func TestWithoutSyncerTheConnectionSyncs(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), Options{Path: filepath.Join(dir, "n.db"), DataDir: filepath.Join(dir, "data"), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.w.sync != nil {
		t.Fatal("a NORMAL store fsyncs the WAL")
	}

	// A database without a WAL file: the syncer cannot start, the connection
	// stays at FULL (2).
	path := filepath.Join(t.TempDir(), "nowal.db")
	db, err := sql.Open("sqlite", dsn(path, true, "FULL"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	w := &writer{s: &Store{path: path, rw: db}}
	w.startSyncer()
	var level int
	if err := db.QueryRow("PRAGMA synchronous").Scan(&level); err != nil || level != 2 {
		t.Fatalf("synchronous=%d (%v) after a syncer could not start, want 2 (FULL)", level, err)
	}
	if w.sync != nil {
		t.Fatal("a syncer started without a WAL file")
	}
}
