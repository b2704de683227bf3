package main

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the flusher and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	n  int // writes
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Request lines are gathered and written out together, within the interval;
// warnings at once; everything by Close. No line is lost or cut.
func TestLogBufferBatchesLines(t *testing.T) {
	out := &syncBuffer{}
	b := newLogBuffer(out, time.Hour) // no timed flush in this test
	log := slog.New(flushOnWarn{slog.NewTextHandler(b, nil), b})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				log.Info("request", "g", g, "i", i)
			}
		}()
	}
	wg.Wait()
	if out.writes() != 0 {
		t.Fatalf("%d writes before any flush", out.writes())
	}
	log.With("part", "store").Warn("disk slow")
	if w := out.writes(); w != 1 || !strings.Contains(out.String(), "disk slow") {
		t.Fatalf("a warning was not written at once with what came before (%d writes)", w)
	}
	log.Info("last")
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 802 || !strings.Contains(lines[801], "msg=last") {
		t.Fatalf("%d lines, the last %q", len(lines), lines[len(lines)-1])
	}
	for g := range 8 {
		for i := range 100 {
			if !strings.Contains(out.String(), fmt.Sprintf("g=%d i=%d\n", g, i)) {
				t.Fatalf("line g=%d i=%d missing", g, i)
			}
		}
	}
}

// Lines are written out by the timer, and at once beyond logBufferMax.
func TestLogBufferFlushesOnTimeAndSize(t *testing.T) {
	out := &syncBuffer{}
	b := newLogBuffer(out, 10*time.Millisecond)
	defer b.Close()
	fmt.Fprintln(b, "one line")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "one line") {
		if time.Now().After(deadline) {
			t.Fatal("a line was not written out by the timer")
		}
		time.Sleep(5 * time.Millisecond)
	}

	big := &syncBuffer{}
	b2 := newLogBuffer(big, time.Hour)
	line := strings.Repeat("x", 1023) + "\n"
	for range logBufferMax / len(line) {
		b2.Write([]byte(line))
	}
	if big.writes() != 1 || len(big.String()) != logBufferMax {
		t.Fatalf("%d writes, %d bytes after %d bytes of lines", big.writes(), len(big.String()), logBufferMax)
	}
	b2.Close()
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// A write error of the output is reported, not hidden.
func TestLogBufferReportsWriteErrors(t *testing.T) {
	b := newLogBuffer(failingWriter{}, time.Hour)
	b.Write([]byte("x\n"))
	if err := b.Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Close: %v", err)
	}
}
