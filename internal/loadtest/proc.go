package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	observerPkg = "github.com/observerkz/observer/cmd/observer"
	floorPkg    = "github.com/observerkz/observer/cmd/loadtest/floor"
)

// Binaries are the programs a run starts as separate processes, so that their memory
// is their own and kill -9 is real.
type Binaries struct {
	Observer string
	Floor    string
}

// Build compiles the programs that b does not name yet into dir with `go build`
// and the given flags (from the current module: run from inside it).
func Build(ctx context.Context, dir string, b Binaries, flags ...string) (Binaries, error) {
	var todo []struct{ out, pkg string }
	if b.Observer == "" {
		b.Observer = filepath.Join(dir, "observer")
		todo = append(todo, struct{ out, pkg string }{b.Observer, observerPkg})
	}
	if b.Floor == "" {
		b.Floor = filepath.Join(dir, "floor")
		todo = append(todo, struct{ out, pkg string }{b.Floor, floorPkg})
	}
	for _, p := range todo {
		args := append(append([]string{"build"}, flags...), "-o", p.out, p.pkg)
		cmd := exec.CommandContext(ctx, "go", args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("loadtest: go build %s failed: %w\n%s", p.pkg, err, out)
		}
	}
	return b, nil
}

// Process is a server started by the tool.
type Process struct {
	cmd  *exec.Cmd
	Base string // http://127.0.0.1:PORT
	Log  string // its stdout and stderr
	done chan struct{}
	err  error
}

// FreeAddr finds a free port on the loopback interface.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("loadtest: unable to find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Start runs bin with args (which must make it listen on addr), logging to logPath,
// and waits until GET /healthz answers 200.
func Start(ctx context.Context, bin string, args []string, addr, logPath string) (*Process, error) {
	if err := loopbackOnly(addr); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("loadtest: unable to open the server log: %w", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group: a Ctrl+C meant for the tool is handled by the tool,
	// which then stops the server in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("loadtest: unable to start %s: %w", bin, err)
	}
	p := &Process{cmd: cmd, Base: "http://" + addr, Log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	if err := p.waitHealthy(ctx, 60*time.Second); err != nil {
		p.Kill()
		return nil, err
	}
	return p, nil
}

func (p *Process) waitHealthy(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	cl := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("loadtest: the server exited during start-up (%v); its log: %s\n%s", p.err, p.Log, tail(p.Log, 20))
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		resp, err := cl.Get(p.Base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("loadtest: the server did not answer /healthz within %s; its log: %s", limit, p.Log)
}

// PID is the server's process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Kill ends the server with SIGKILL, as a power cut or the OOM killer would, and
// waits until it is gone.
func (p *Process) Kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop asks the server to finish (SIGTERM) and waits up to 30 s before killing it.
func (p *Process) Stop() error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.Kill()
		return errors.New("loadtest: the server did not stop within 30 s of SIGTERM")
	}
	var ee *exec.ExitError
	if p.err != nil && !errors.As(p.err, &ee) {
		return p.err
	}
	if p.err != nil {
		return fmt.Errorf("loadtest: the server exited with %v; its log: %s\n%s", p.err, p.Log, tail(p.Log, 20))
	}
	return nil
}

// Memory is a process's resident memory in bytes: now, and its peak so far.
type Memory struct {
	RSS, HWM int64
}

// Memory reads VmRSS and VmHWM from /proc/PID/status.
func (p *Process) Memory() (Memory, error) {
	return readMemory(p.PID())
}

func readMemory(pid int) (Memory, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return Memory{}, fmt.Errorf("loadtest: unable to read the server's memory: %w", err)
	}
	defer f.Close()
	var m Memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil {
			return m, fmt.Errorf("loadtest: unable to read %s %q: %w", k, v, err)
		}
		if k == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.HWM = kb << 10
		}
	}
	return m, sc.Err()
}

// tail returns the last n lines of a file (for error messages about a dead server).
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }
