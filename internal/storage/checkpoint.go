package storage

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// The checkpointer copies the WAL into the database file in the background, on a
// connection of its own (PASSIVE: it never blocks the writer or the readers), so
// that the copy and its fsyncs seldom fall inside a commit that submitters wait
// for. The writer's own automatic checkpoint stays on, at a higher threshold:
// run right after the writer's commit, with nothing newer in the WAL, it is the
// one that lets the next commit start the WAL again from the beginning (a
// checkpoint from elsewhere, always a little behind the writer, never does, and
// the WAL would grow without end under steady writes).
//
// It is a piece of its own so that it can step aside when something else (a
// replication tool) takes over checkpoints.

const (
	checkpointEvery      = 100 * time.Millisecond
	writerAutoCheckpoint = 4000 // pages (16 MB)
)

type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done chan struct{}
	once sync.Once
	err  error
}

// startCheckpointer raises the writer's automatic checkpoint threshold on rw and
// starts the background checkpoints.
func startCheckpointer(rw *sql.DB, path, sync string) (*checkpointer, error) {
	if _, err := rw.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint=%d", writerAutoCheckpoint)); err != nil {
		slog.Warn("store: the writer's automatic checkpoint stays at SQLite's default", "err", err)
	}
	db, err := sql.Open("sqlite", dsn(path, false, sync))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c, nil
}

func (c *checkpointer) loop() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.checkpoint()
		}
	}
}

func (c *checkpointer) checkpoint() {
	var busy, frames, done int
	err := c.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &done)
	if err != nil {
		slog.Warn("store: checkpoint failed", "err", err)
	}
}

// close stops the checkpointer after one last checkpoint.
func (c *checkpointer) close() error {
	c.once.Do(func() {
		close(c.stop)
		<-c.done
		c.checkpoint()
		c.err = c.db.Close()
	})
	return c.err
}
