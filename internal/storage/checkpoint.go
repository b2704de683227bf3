package storage

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"
)

// A checkpointer on a connection of its own copies the WAL into the database file
// in the background (PASSIVE: it never blocks the writer or the readers). Left to
// itself, SQLite copies it inside whichever commit crossed the threshold, and every
// submission queued behind that commit waits for the copy and its two fsyncs. The
// writer's own automatic checkpoint stays on: with the background one done first
// it finds only the last few pages to copy, and, run right after its own commit
// with nothing newer in the WAL, it is what lets the next commit start the WAL
// again from the beginning (a checkpoint from elsewhere, always a little behind
// the writer, never would: the WAL grew to 450 MB in the load test).
//
// At closing time the WAL grows by ~4 pages a form, 16,000 pages a second: with
// SQLite's threshold of 1,000 pages and a background pass every 250 ms the writer
// checkpointed ~27 times a second, mostly copying pages itself (5.5 ms each, 15 %
// of the writer's time). With writerAutoCheckpoint pages and a pass every 100 ms
// the writer's own checkpoints are ~4 a second and find little to copy: 8–10 %
// more counting forms a second in the load test. The WAL then stays under ~20 MB.

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
