package loadtest

import (
	"context"
	"path/filepath"
	"strconv"
)

// server is the observer server of a run and its fixture, in a process of its own
// (built with go build), so that its memory is its own and kill -9 is real; the
// tool reaches it over HTTP only.
type server struct {
	bin, dir, db, data, addr string
	fx                       Fixture
	base                     string
	starts                   int
	proc                     *Process
	// replicate is serve's --replicate URL ("" for none).
	replicate string
}

func newServer(ctx context.Context, cfg Config, bin, dir string) (*server, error) {
	s := &server{bin: bin, dir: dir, db: filepath.Join(dir, "observer.db"), data: filepath.Join(dir, "observer-data"),
		replicate: cfg.Replicate}
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
	return "stopped"
}

func (s *server) start(ctx context.Context) error {
	s.starts++
	args := []string{"--db", s.db, "serve", "--addr", s.addr, "--data", s.data, "--insecure-cookies", "--base-url", s.base}
	if s.replicate != "" {
		args = append(args, "--replicate", s.replicate)
	}
	p, err := Start(ctx, s.bin, args, s.addr, filepath.Join(s.dir, "server.log"))
	if err != nil {
		return err
	}
	s.proc = p
	return nil
}

// stop ends the server in order (SIGTERM).
func (s *server) stop() error {
	if s.proc == nil {
		return nil
	}
	p := s.proc
	s.proc = nil
	return p.Stop()
}
