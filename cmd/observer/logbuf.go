package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logBuffer gathers the server's log lines and writes them out together: at closing
// time the server logs a line per request, thousands a second, and a write(2) per
// line is CPU the counting forms need. A line reaches the output within flushEvery,
// at once when it is a warning or an error (flushOnWarn), and before the server
// stops. A server killed outright loses at most the last flushEvery of request
// lines; nothing it acknowledged depends on them (the audit log is in the database).
type logBuffer struct {
	out io.Writer

	mu  sync.Mutex
	buf []byte
	err error // the last write error, reported by Flush

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

const (
	logFlushEvery = 100 * time.Millisecond
	logBufferMax  = 64 << 10 // written out at once beyond this
)

func newLogBuffer(out io.Writer, every time.Duration) *logBuffer {
	b := &logBuffer{out: out, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				b.Flush()
			}
		}
	}()
	return b
}

// Write keeps p (one whole record: slog handlers write a record in one call).
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) >= logBufferMax {
		b.flushLocked()
	}
	return len(p), nil
}

// Flush writes out what is kept.
func (b *logBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	return b.err
}

func (b *logBuffer) flushLocked() {
	if len(b.buf) == 0 {
		return
	}
	if _, err := b.out.Write(b.buf); err != nil {
		b.err = err
	}
	if cap(b.buf) > 4*logBufferMax {
		b.buf = nil // a burst of long lines: do not keep its buffer
	} else {
		b.buf = b.buf[:0]
	}
}

// Close stops the timer and writes out the rest.
func (b *logBuffer) Close() error {
	b.once.Do(func() {
		close(b.stop)
		<-b.done
	})
	return b.Flush()
}

// flushOnWarn writes warnings and errors out at once: they are what an operator
// watches the log for.
type flushOnWarn struct {
	slog.Handler
	buf *logBuffer
}

func (h flushOnWarn) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.buf.Flush()
	}
	return err
}

func (h flushOnWarn) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushOnWarn{h.Handler.WithAttrs(attrs), h.buf}
}

func (h flushOnWarn) WithGroup(name string) slog.Handler {
	return flushOnWarn{h.Handler.WithGroup(name), h.buf}
}
