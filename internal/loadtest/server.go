package loadtest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/web"
)

// server is the observer server of a run and its fixture: normally its own process
// (built with go build, so that its memory is its own and kill -9 is real), or, for
// profiling, web.New inside this process.
type server struct {
	bin, dir, db, data, addr string
	inProcess                bool
	fx                       Fixture
	base                     string
	starts                   int

	proc *Process // a process of its own

	// in this process
	cancel context.CancelFunc
	done   chan error
	store  *storage.Store
	// replicate is serve's --replicate URL ("" for none).
	replicate string
	logf      *os.File
}

func newServer(ctx context.Context, cfg Config, bin, dir string) (*server, error) {
	s := &server{bin: bin, dir: dir, db: filepath.Join(dir, "observer.db"), data: filepath.Join(dir, "observer-data"),
		inProcess: cfg.InProcess, replicate: cfg.Replicate}
	var err error
	s.fx, err = Setup(ctx, SetupOptions{DB: s.db, DataDir: s.data, Stations: cfg.Stations, Observers: cfg.Observers,
		Coordinators: max(1, cfg.Coordinators)})
	if err != nil {
		return nil, err
	}
	if s.addr, err = FreeAddr(); err != nil {
		return nil, err
	}
	s.base = "http://" + s.addr
	return s, s.start(ctx)
}

func (s *server) describe() string {
	if s.proc != nil {
		return "pid " + strconv.Itoa(s.proc.PID())
	}
	return "in this process"
}

func (s *server) start(ctx context.Context) error {
	s.starts++
	logPath := filepath.Join(s.dir, "server.log")
	if s.inProcess {
		return s.startHere(ctx, logPath)
	}
	args := []string{"--db", s.db, "serve", "--addr", s.addr, "--data", s.data, "--insecure-cookies", "--base-url", s.base}
	if s.replicate != "" {
		args = append(args, "--replicate", s.replicate)
	}
	p, err := Start(ctx, s.bin, args, s.addr, logPath)
	if err != nil {
		return err
	}
	s.proc = p
	return nil
}

func (s *server) startHere(ctx context.Context, logPath string) error {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("loadtest: unable to open the server log: %w", err)
	}
	st, err := storage.Open(ctx, storage.Options{Path: s.db, DataDir: s.data})
	if err != nil {
		logf.Close()
		return err
	}
	srv, err := web.New(web.Config{BaseURL: s.base}, st, slog.New(slog.NewTextHandler(logf, nil)))
	if err != nil {
		st.Close()
		logf.Close()
		return err
	}
	rctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done, s.store, s.logf = cancel, make(chan error, 1), st, logf
	ready := make(chan struct{})
	go func() { s.done <- srv.Run(rctx, s.addr, func(net.Addr) { close(ready) }) }()
	select {
	case <-ready:
		return nil
	case err := <-s.done:
		s.cancel = nil
		st.Close()
		logf.Close()
		return err
	}
}

// stop ends the server in order (SIGTERM, or cancelling the in-process one).
func (s *server) stop() error {
	if s.proc != nil {
		p := s.proc
		s.proc = nil
		return p.Stop()
	}
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
		err := <-s.done
		if cerr := s.store.Close(); err == nil {
			err = cerr
		}
		s.logf.Close()
		return err
	}
	return nil
}
