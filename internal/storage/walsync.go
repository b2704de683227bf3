package storage

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// Durability off the writer's path. With synchronous=FULL SQLite fsyncs the WAL
// inside every COMMIT, on the one writer goroutine: while the disk works (half of
// a group commit's time under load), no submission is run. Instead the writer's
// connection runs at synchronous=NORMAL (a COMMIT writes its WAL frames, no fsync)
// and a syncer goroutine fsyncs the WAL file and only then answers the batch's
// submitters, while the writer already runs the next batch. An answer still comes
// only after the data is on disk:
//
//   - the WAL is written in order, so one fsync covers every batch committed
//     before it began; the syncer answers batches in commit order;
//   - a checkpoint (background or automatic) fsyncs the WAL before it copies
//     frames into the database file and the database after (true at NORMAL, not
//     at OFF), so the WAL is never started again over frames not yet on disk;
//   - the connection is switched to NORMAL by a statement, not by its address:
//     should database/sql ever open it again, it is FULL again (slower, as durable);
//   - after a failed fsync nothing later can be trusted (Linux may drop the
//     failed pages' dirty state): the batch is answered with the error and the
//     store refuses every later write until it is restarted.
//
// Readers may see a batch a few hundred microseconds before it is on disk; nobody
// is told it is saved before it is.

// committedBatch is a committed group waiting for its fsync.
type committedBatch struct {
	reqs     []writeReq
	errs     []error // each submission's own outcome (nil: saved once synced)
	stations []int64 // stations whose statistics the batch changed
}

// walSyncer fsyncs the WAL and then answers the batches committed before.
type walSyncer struct {
	path  string               // the -wal file
	dir   string               // its folder (fsync'd when the file is opened anew)
	f     *os.File             // open on path
	fsync func(*os.File) error // (*os.File).Sync; tests replace it (under mu)
	// notify tells the commit's listeners before its submitters are answered.
	notify func(stations []int64)

	// idled has a token whenever the syncer has answered everything handed to it.
	idled chan struct{}

	mu      sync.Mutex
	cond    *sync.Cond
	pending []committedBatch
	syncing bool // an fsync and its answers are under way
	closing bool
	done    chan struct{}
	// failed, once set, is the error every later write gets.
	failed error
}

// openWALSyncer opens the database's WAL file for fsyncs. The writer's connection
// must already have written to the database (the WAL exists from then on).
func openWALSyncer(dbPath string, notify func([]int64)) (*walSyncer, error) {
	s := &walSyncer{path: dbPath + "-wal", dir: filepath.Dir(dbPath), fsync: (*os.File).Sync, notify: notify, done: make(chan struct{}),
		idled: make(chan struct{}, 1)}
	s.cond = sync.NewCond(&s.mu)
	if err := s.open(); err != nil {
		return nil, err
	}
	go s.loop()
	return s, nil
}

// open opens the WAL file and makes its name durable in its folder.
func (s *walSyncer) open() error {
	f, err := os.OpenFile(s.path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("store: unable to open the write-ahead log %s: %w", s.path, err)
	}
	if err := syncDir(s.dir); err != nil {
		f.Close()
		return fmt.Errorf("store: unable to sync the folder %s: %w", s.dir, err)
	}
	if s.f != nil {
		s.f.Close()
	}
	s.f = f
	return nil
}

// current makes sure the open file is still the WAL (SQLite deletes it only when
// its last connection closes, which the store's own connections prevent; should
// it happen anyway, the new file is opened and synced).
func (s *walSyncer) current() error {
	fi, err := os.Stat(s.path)
	if err != nil {
		return fmt.Errorf("store: the write-ahead log %s is gone: %w", s.path, err)
	}
	open, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("store: unable to check the write-ahead log: %w", err)
	}
	if os.SameFile(fi, open) {
		return nil
	}
	return s.open()
}

// add hands a committed batch to the syncer (called by the writer, in commit order).
func (s *walSyncer) add(b committedBatch) {
	s.mu.Lock()
	s.pending = append(s.pending, b)
	s.mu.Unlock()
	s.cond.Signal()
}

// idle reports whether every batch handed over is answered.
func (s *walSyncer) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.syncing && len(s.pending) == 0
}

// broken is the error that refuses every write after a failed fsync (nil if none).
func (s *walSyncer) broken() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

func (s *walSyncer) loop() {
	defer close(s.done)
	for {
		s.mu.Lock()
		for len(s.pending) == 0 && !s.closing {
			s.cond.Wait()
		}
		batches := s.pending
		s.pending = nil
		s.syncing = len(batches) > 0
		closing := s.closing
		failed := s.failed
		fsync := s.fsync
		s.mu.Unlock()
		if len(batches) == 0 && closing {
			return
		}
		err := failed
		if err == nil {
			err = s.sync(fsync)
			if err != nil {
				slog.Error("store: fsync of the write-ahead log failed; refusing writes until restarted", "err", err)
				s.mu.Lock()
				s.failed = err
				s.mu.Unlock()
			}
		}
		for _, b := range batches {
			if err == nil && len(b.stations) > 0 {
				s.notify(b.stations)
			}
			for i, r := range b.reqs {
				if err != nil && b.errs[i] == nil {
					r.errc <- err
				} else {
					r.errc <- b.errs[i]
				}
			}
		}
		s.mu.Lock()
		s.syncing = false
		idle := len(s.pending) == 0
		s.mu.Unlock()
		if idle {
			select {
			case s.idled <- struct{}{}:
			default:
			}
		}
	}
}

// sync puts everything written to the WAL so far on disk.
func (s *walSyncer) sync(fsync func(*os.File) error) error {
	if err := s.current(); err != nil {
		return fmt.Errorf("%w: %w", ErrStorageFailed, err)
	}
	if err := fsync(s.f); err != nil {
		return fmt.Errorf("%w: fsync of %s: %w", ErrStorageFailed, s.path, err)
	}
	return nil
}

// close answers what is pending and stops.
func (s *walSyncer) close() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.cond.Signal()
	<-s.done
	s.f.Close()
}

// ErrStorageFailed means the disk refused to keep what was written: nothing is
// answered as saved from then on, until the server is restarted (and SQLite's
// recovery has read back what the disk kept).
var ErrStorageFailed = errors.New("store: the disk failed to keep written data")
