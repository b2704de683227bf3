package storage

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"
)

// The writer's connection does not checkpoint the WAL itself (wal_autocheckpoint
// is off there): SQLite would otherwise copy the WAL into the database file, with
// an fsync, inside whichever commit crossed the threshold, and every submission
// queued behind that commit would wait a quarter of a second. A checkpointer on a
// connection of its own copies it in the background instead; a PASSIVE checkpoint
// never blocks the writer or the readers.

const checkpointEvery = 250 * time.Millisecond

type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done chan struct{}
	once sync.Once
	err  error
}

func startCheckpointer(path, sync string) (*checkpointer, error) {
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
			c.checkpoint("PASSIVE")
		}
	}
}

func (c *checkpointer) checkpoint(mode string) {
	var busy, frames, done int
	err := c.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &frames, &done)
	if err != nil {
		slog.Warn("store: checkpoint failed", "err", err)
	}
}

// close stops the checkpointer after one last full checkpoint.
func (c *checkpointer) close() error {
	c.once.Do(func() {
		close(c.stop)
		<-c.done
		c.checkpoint("PASSIVE")
		c.err = c.db.Close()
	})
	return c.err
}
