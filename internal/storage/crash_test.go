package storage

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// The durability promise: once Store.Write returns nil, the submission survives the
// process dying at any instant. The test runs a child process (this test binary
// again) that submits incidents from several goroutines and prints each client_id
// the moment Write acknowledges it; the parent kills it with SIGKILL mid-stream,
// several times, and then checks that every acknowledged submission is there,
// complete and once, and that the database and the audit chain are sound.

const crashChildEnv = "OBSERVER_CRASH_CHILD_DB"

func TestCrashDurability(t *testing.T) {
	if db := os.Getenv(crashChildEnv); db != "" {
		crashChild(db, os.Getenv("OBSERVER_CRASH_ROUND"))
		return
	}
	if testing.Short() {
		t.Skip("kills child processes; skipped with -short")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "crash.db")
	opt := Options{Path: path, DataDir: filepath.Join(dir, "data")}
	s, err := Open(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	var election int64
	if err := s.Write(context.Background(), func(tx *Tx) error {
		return setupReviewRows(tx, &election, map[string]int64{}, map[string]int64{})
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	acked := map[string]bool{}
	for round := 1; round <= 4; round++ {
		n := crashRound(t, path, round, 50*round, acked)
		t.Logf("round %d: %d acknowledged before SIGKILL", round, n)
		// Reopen between rounds: Open's quick_check must pass and every ack so far be there.
		checkAcked(t, opt, acked, false)
	}
	checkAcked(t, opt, acked, true)
}

// crashRound starts a child, kills it after killAfter acknowledgements, and reads
// every acknowledgement it printed before dying.
func crashRound(t *testing.T, path string, round, killAfter int, acked map[string]bool) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashDurability$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path, "OBSERVER_CRASH_ROUND="+strconv.Itoa(round))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	n, killed := 0, false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		id, ok := strings.CutPrefix(sc.Text(), "ACK ")
		if !ok {
			continue
		}
		if acked[id] {
			t.Fatalf("client_id %s acknowledged twice", id)
		}
		acked[id] = true
		n++
		if n >= killAfter && !killed {
			cmd.Process.Signal(syscall.SIGKILL)
			killed = true
		}
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die by SIGKILL (err %v, %d acks): %s", err, n, stderr.String())
	}
	if !killed {
		t.Fatalf("child was killed by the timeout after %d acks: %s", n, stderr.String())
	}
	return n
}

// crashChild submits incidents from 6 goroutines until it is killed.
func crashChild(path, round string) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: path, DataDir: filepath.Join(filepath.Dir(path), "data")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	var election, station, region int64
	if err := s.ro.QueryRow("SELECT election_id, id, region_id FROM stations ORDER BY id LIMIT 1").Scan(&election, &station, &region); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("r%s-g%d-%d", round, g, i)
				err := s.Write(ctx, func(tx *Tx) error {
					incID, err := insertTestIncident(tx, election, station, region, id)
					if err != nil {
						return err
					}
					tx.Touch(station)
					return tx.Audit(report.AuditEntry{Actor: "crash-test", Action: report.AuditCreate, Entity: report.EntityIncident,
						EntityID: strconv.FormatInt(incID, 10), ElectionID: election, After: id})
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, "write failed:", err)
					os.Exit(4)
				}
				mu.Lock()
				// Unbuffered: once printed, the parent reads it even if we die next.
				fmt.Fprintf(os.Stdout, "ACK %s\n", id)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// checkAcked reopens the database and checks every acknowledged submission.
func checkAcked(t *testing.T, opt Options, acked map[string]bool, full bool) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, opt)
	if err != nil {
		t.Fatalf("reopening after SIGKILL: %v", err)
	}
	defer s.Close()
	for id := range acked {
		var n int
		var incID int64
		var desc, hash string
		err := s.ro.QueryRow(`SELECT COUNT(*), MIN(id), MIN(description), MIN(content_hash) FROM incidents WHERE client_id = ?`, id).
			Scan(&n, &incID, &desc, &hash)
		if err != nil || n != 1 {
			t.Fatalf("acknowledged %s: found %d times (err %v)", id, n, err)
		}
		if desc != "description of "+id || hash != "hash-"+id {
			t.Fatalf("acknowledged %s is incomplete: %q %q", id, desc, hash)
		}
		var audits int
		s.ro.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity = ? AND entity_id = ? AND after = ?`,
			report.EntityIncident, strconv.FormatInt(incID, 10), id).Scan(&audits)
		if audits != 1 {
			t.Fatalf("acknowledged %s has %d audit entries", id, audits)
		}
	}
	if !full {
		return
	}
	var orphans int
	s.ro.QueryRow(`SELECT COUNT(*) FROM incidents i WHERE NOT EXISTS
		(SELECT 1 FROM audit_log a WHERE a.entity = 'incident' AND a.entity_id = CAST(i.id AS TEXT))`).Scan(&orphans)
	if orphans != 0 {
		t.Errorf("%d incidents committed without their audit entry", orphans)
	}
	checked, err := s.VerifyAuditChain(ctx)
	if err != nil {
		t.Fatalf("audit chain after crashes: %v", err)
	}
	var total int
	s.ro.QueryRow("SELECT COUNT(*) FROM incidents").Scan(&total)
	var ok string
	if err := s.rw.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
	t.Logf("%d acknowledged, %d committed, %d audit entries verified, integrity ok", len(acked), total, checked)
}

// A submission that fails inside a group commit is undone completely (its rows, its
// audit entry, its statistics mark) while the others in the same batch commit.
func TestFailedSubmissionInBatchIsRolledBack(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	var mu sync.Mutex
	var touched [][]int64
	f.s.OnCommit(func(st []int64) { mu.Lock(); touched = append(touched, st); mu.Unlock() })

	// Hold the writer in a first commit so the next three queue up and share a batch.
	release := make(chan struct{})
	blocked := make(chan struct{})
	go f.s.Write(ctx, func(tx *Tx) error { close(blocked); <-release; return nil })
	<-blocked

	type result struct {
		name string
		at   time.Time
		err  error
	}
	results := make(chan result, 3)
	boom := errors.New("boom")
	submit := func(name, region string, fail bool) {
		var at time.Time
		err := f.s.Write(ctx, func(tx *Tx) error {
			at = tx.Now()
			id, err := insertTestIncident(tx, f.election, f.stations[region], f.regions[region], name)
			if err != nil {
				return err
			}
			tx.Touch(f.stations[region])
			if err := tx.Audit(report.AuditEntry{Actor: "test", Action: report.AuditCreate, Entity: report.EntityIncident,
				EntityID: strconv.FormatInt(id, 10), After: name}); err != nil {
				return err
			}
			if fail {
				return boom
			}
			return nil
		})
		results <- result{name, at, err}
	}
	go submit("ok-1", "A", false)
	waitQueued(t, f.s, 1)
	go submit("fails", "B", true)
	waitQueued(t, f.s, 2)
	go submit("ok-2", "A", false)
	waitQueued(t, f.s, 3)
	close(release)

	var batchAt time.Time
	for i := 0; i < 3; i++ {
		r := <-results
		if (r.name == "fails") != errors.Is(r.err, boom) || (r.name != "fails" && r.err != nil) {
			t.Fatalf("%s: %v", r.name, r.err)
		}
		if batchAt.IsZero() {
			batchAt = r.at
		} else if !r.at.Equal(batchAt) {
			t.Fatalf("the three submissions were not one batch (%v vs %v)", r.at, batchAt)
		}
	}
	for name, want := range map[string]int{"ok-1": 1, "ok-2": 1, "fails": 0} {
		var rows, audits int
		f.s.ro.QueryRow("SELECT COUNT(*) FROM incidents WHERE client_id = ?", name).Scan(&rows)
		f.s.ro.QueryRow("SELECT COUNT(*) FROM audit_log WHERE after = ?", name).Scan(&audits)
		if rows != want || audits != want {
			t.Errorf("%s: %d rows and %d audit entries, want %d", name, rows, audits, want)
		}
	}
	if _, err := f.s.VerifyAuditChain(ctx); err != nil {
		t.Fatalf("chain after a rolled-back submission: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, st := range touched {
		for _, id := range st {
			if id == f.stations["B"] {
				t.Errorf("the failed submission's station was reported changed: %v", touched)
			}
		}
	}
}

// waitQueued waits until n submissions wait for the writer.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.w.reqs) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d submissions queued", len(s.w.reqs), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// A new form or incident that fails after writing, in a group with others, is
// undone alone: each caller's answer matches what is stored, the failed one left
// nothing, one that failed before writing keeps its error, and everything is one
// group commit.
func TestRecordFailingAfterWritingIsUndoneAlone(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	release, blocked := make(chan struct{}), make(chan struct{})
	go f.s.Write(ctx, func(tx *Tx) error { close(blocked); <-release; return nil })
	<-blocked

	type result struct {
		name string
		id   int64
		at   time.Time
		err  error
	}
	results := make(chan result, 4)
	boom, refused := errors.New("boom"), errors.New("refused before writing")
	submit := func(name string, failAfter, failBefore bool) {
		var id int64
		var at time.Time
		err := f.s.Write(ctx, func(tx *Tx) error {
			at = tx.Now()
			if failBefore {
				return refused
			}
			var err error
			if id, err = insertTestIncident(tx, f.election, f.stations["A"], f.regions["A"], name); err != nil {
				return err
			}
			tx.Touch(f.stations["A"])
			if err := tx.Audit(report.AuditEntry{Actor: "test", Action: report.AuditCreate, Entity: report.EntityIncident,
				EntityID: strconv.FormatInt(id, 10), After: name}); err != nil {
				return err
			}
			if failAfter {
				return boom
			}
			return nil
		})
		results <- result{name, id, at, err}
	}
	for i, c := range []struct {
		name              string
		after, beforeFail bool
	}{{"rec-ok-1", false, false}, {"rec-refused", false, true}, {"rec-fails", true, false}, {"rec-ok-2", false, false}} {
		go submit(c.name, c.after, c.beforeFail)
		waitQueued(t, f.s, i+1)
	}
	close(release)

	var batchAt time.Time
	for range 4 {
		r := <-results
		switch {
		case r.name == "rec-fails" && !errors.Is(r.err, boom), r.name == "rec-refused" && !errors.Is(r.err, refused):
			t.Fatalf("%s: %v", r.name, r.err)
		case strings.HasPrefix(r.name, "rec-ok") && r.err != nil:
			t.Fatalf("%s: %v", r.name, r.err)
		}
		if batchAt.IsZero() {
			batchAt = r.at
		} else if !r.at.Equal(batchAt) {
			t.Fatalf("not one group commit (%v vs %v)", r.at, batchAt)
		}
		var stored int64
		err := f.s.ro.QueryRow("SELECT id FROM incidents WHERE client_id = ?", r.name).Scan(&stored)
		switch {
		case strings.HasPrefix(r.name, "rec-ok") && (err != nil || stored != r.id):
			t.Errorf("%s: answered id %d, stored %d (%v)", r.name, r.id, stored, err)
		case !strings.HasPrefix(r.name, "rec-ok") && err == nil:
			t.Errorf("%s failed but its row is stored", r.name)
		}
		var audits int
		f.s.ro.QueryRow("SELECT COUNT(*) FROM audit_log WHERE after = ?", r.name).Scan(&audits)
		if want := map[bool]int{true: 1, false: 0}[strings.HasPrefix(r.name, "rec-ok")]; audits != want {
			t.Errorf("%s: %d audit entries, want %d", r.name, audits, want)
		}
	}
	if _, err := f.s.VerifyAuditChain(ctx); err != nil {
		t.Fatalf("chain after an undone group: %v", err)
	}
}
