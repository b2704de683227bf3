package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/observerkz/observer/internal/storage"
)

// runServer starts Run on a free loopback port and returns its address and a stop func
// that waits for Run to return.
func runServer(t *testing.T, cfg Config, extra func(*Server)) (string, func() error) {
	t.Helper()
	dir := t.TempDir()
	st, err := storage.Open(context.Background(), storage.Options{Path: filepath.Join(dir, "t.db"), DataDir: filepath.Join(dir, "d")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv, err := New(cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if extra != nil {
		extra(srv)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, "127.0.0.1:0", func(a net.Addr) { addrc <- a.String() }) }()
	select {
	case a := <-addrc:
		return a, func() error { cancel(); return <-done }
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	}
	return "", nil
}

// A client that sends its headers too slowly is cut off, so slow clients cannot hold
// every connection open.
func TestSlowHeadersCutOff(t *testing.T) {
	addr, stop := runServer(t, Config{HeaderTimeout: 300 * time.Millisecond}, nil)
	defer stop()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for i := 0; i < 20; i++ {
		time.Sleep(100 * time.Millisecond)
		if _, err := fmt.Fprintf(conn, "X-Slow-%d: 1\r\n", i); err != nil {
			break
		}
	}
	buf := make([]byte, 512)
	n, _ := conn.Read(buf)
	if time.Since(start) > 4*time.Second {
		t.Fatalf("slow client held the connection for %v", time.Since(start))
	}
	if n > 0 && !strings.Contains(string(buf[:n]), "408") && !strings.Contains(string(buf[:n]), "400") {
		t.Fatalf("unexpected answer to a slow client: %q", buf[:n])
	}
}

func TestOversizedBody(t *testing.T) {
	h := newHarness(t)
	big := strings.NewReader(strings.Repeat("x", 3<<20))
	resp, body := h.api(http.MethodPost, "/login", "", "application/x-www-form-urlencoded", big)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("3 MB form: %d %s", resp.StatusCode, body)
	}
}

// Shutdown waits for requests in flight: a slow request started before the signal
// still gets its full answer.
func TestGracefulShutdownFinishesRequests(t *testing.T) {
	var started atomic.Bool
	release := make(chan struct{})
	addr, stop := runServer(t, Config{}, func(s *Server) {
		s.handle(http.MethodGet, "/test/slow", anyone, func(c echo.Context) error {
			started.Store(true)
			<-release
			return c.String(http.StatusOK, "finished")
		})
	})
	res := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/test/slow")
		if err != nil {
			res <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		res <- string(b)
	}()
	for !started.Load() {
		time.Sleep(10 * time.Millisecond)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(100 * time.Millisecond)
	// New connections are refused once shutdown began.
	if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
		bufio.NewWriter(c).Flush()
		c.Close()
	}
	close(release)
	if got := <-res; got != "finished" {
		t.Fatalf("in-flight request: %q", got)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}
