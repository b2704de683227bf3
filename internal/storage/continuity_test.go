package storage

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// A database that holds sealed personal data and finds no key refuses to open
// rather than make a new key (the key folder was not copied to this machine).
func TestNoNewSealingKeyForSealedData(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	err := s.Write(ctx, func(tx *Tx) error {
		oid, err := EnsureObserver(tx, "OBS-0142", "ALM", report.User{})
		if err != nil {
			return err
		}
		return SetObserverContact(tx, oid, report.ObserverContact{Name: "Айгүл Сейітқызы", Phone: "+77011234567"}, report.User{})
	})
	if err != nil {
		t.Fatal(err)
	}
	path, data := s.Path(), s.DataDir()
	s.Close()
	if err := os.Remove(filepath.Join(data, personalKeyFile)); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, Options{Path: path, DataDir: data})
	if err == nil || !strings.Contains(err.Error(), "refusing to make a new key") {
		t.Fatalf("opened sealed data without its key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, personalKeyFile)); err == nil {
		t.Fatal("a new key was made")
	}
}

// A new epoch: a fresh id, new records from the next whole million (far above any
// id handed out before), an audit entry, and the floor kept across a restart.
func TestNewEpochRaisesTheIDFloor(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	before := s.Epoch()
	epoch, err := s.NewEpoch(ctx, "restored from file:///r")
	if err != nil || epoch == before || len(epoch) != 16 {
		t.Fatalf("epoch %q (before %q), %v", epoch, before, err)
	}
	c, err := s.Continuity(ctx)
	if err != nil || c.Epoch != epoch || c.IDFloor != 2*idFloorStep || c.DataDir != s.DataDir() {
		t.Fatalf("continuity %+v, %v", c, err)
	}
	if n, err := s.VerifyAuditChain(ctx); err != nil || n == 0 {
		t.Fatalf("audit chain %d, %v", n, err)
	}
	path, data := s.Path(), s.DataDir()
	s.Close()
	s2, err := Open(ctx, Options{Path: path, DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.Epoch() != epoch || s2.idFloor.Load() != 2*idFloorStep {
		t.Fatalf("after a restart: epoch %q, floor %d", s2.Epoch(), s2.idFloor.Load())
	}
}
