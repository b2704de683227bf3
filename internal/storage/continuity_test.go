package storage

import (
	"bytes"
	"context"
	"fmt"
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
	s2, err := Open(ctx, Options{Path: path, DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.SealingKeyMissing(); err == nil || !strings.Contains(err.Error(), "refusing to make a new key") {
		t.Fatalf("sealed data without its key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, personalKeyFile)); err == nil {
		t.Fatal("a new key was made")
	}
}

// Not only contacts are sealed: a gateway's secrets, a secret setting, a two-factor
// secret and a message's sender are too, and each alone keeps serve from making a
// new key that would leave it unreadable.
func TestNoNewSealingKeyForAnySealedData(t *testing.T) {
	ctx := context.Background()
	cases := map[string]func(s *Store) error{
		"gateway": func(s *Store) error {
			_, err := s.AddGateway(ctx, Gateway{Name: "gw", Kind: "generic", GatewaySecrets: GatewaySecrets{Secret: "s3cret"}}, report.User{})
			return err
		},
		"setting": func(s *Store) error {
			return s.SaveSettings(ctx, map[string]string{SettingMailPassword: "hunter2"}, report.User{})
		},
		"totp": func(s *Store) error {
			var uid int64
			err := s.Write(ctx, func(tx *Tx) error {
				var err error
				uid, err = CreateUser(tx, NewUser{Login: "admin1", Password: "correct horse battery", Role: report.RoleAdmin}, report.User{})
				return err
			})
			if err != nil {
				return err
			}
			return s.SetTOTPSecret(ctx, uid, "JBSWY3DPEHPK3PXP", report.User{})
		},
		"message": func(s *Store) error {
			return s.Write(ctx, func(tx *Tx) error {
				_, err := s.insertMessage(tx, Inbound{Channel: "sms", ExternalID: "m1", Sender: "+77011234567", Text: "hello",
					ReceivedAt: tx.Now()}, "k", "t", Reading{Status: MsgUnknownSender})
				return err
			})
		},
	}
	for name, seal := range cases {
		t.Run(name, func(t *testing.T) {
			s := openTest(t)
			if err := seal(s); err != nil {
				t.Fatal(err)
			}
			path, data := s.Path(), s.DataDir()
			s.Close()
			if err := os.Remove(filepath.Join(data, personalKeyFile)); err != nil {
				t.Fatal(err)
			}
			s2, err := Open(ctx, Options{Path: path, DataDir: data})
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			if err := s2.SealingKeyMissing(); err == nil || !strings.Contains(err.Error(), "refusing to make a new key") {
				t.Fatalf("sealed %s without its key: %v", name, err)
			}
			if _, err := os.Stat(filepath.Join(data, personalKeyFile)); err == nil {
				t.Fatal("a new key was made")
			}
		})
	}
}

// The id floor stays armed across a restart for the table that has not reached it
// yet: an incident past the floor does not let the next observation take an id
// the lost primary may have handed out.
func TestEpochFloorPerTableAfterRestart(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	f.incident("A")
	if _, err := f.s.NewEpoch(ctx, "restored"); err != nil {
		t.Fatal(err)
	}
	floor := f.s.idFloor.Load()
	err := f.s.Write(ctx, func(tx *Tx) error {
		id, err := tx.newRecordID("incidents")
		if err != nil || id != floor {
			return fmt.Errorf("first incident id %v, want %d (%v)", id, floor, err)
		}
		_, err = tx.exec(`UPDATE incidents SET id = ? WHERE id = (SELECT max(id) FROM incidents)`, floor)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	path, data := f.s.Path(), f.s.DataDir()
	f.s.Close()
	s2, err := Open(ctx, Options{Path: path, DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	err = s2.Write(ctx, func(tx *Tx) error {
		if id, err := tx.newRecordID("observations"); err != nil || id != floor {
			return fmt.Errorf("first observation id after a restart %v, want %d (%v)", id, floor, err)
		}
		if id, err := tx.newRecordID("incidents"); err != nil || id != nil {
			return fmt.Errorf("next incident id after a restart %v, want SQLite's next (%v)", id, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
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

// The check restore and backup share: a file not there is awaiting re-upload, a
// file whose bytes do not match its name fails it, and the same upload again puts
// a missing file back.
func TestCheckDatabaseEvidence(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	inc := f.incident("A")
	up := f.coordinator("checker")
	var shas []string
	for i := range 3 {
		ev, _, err := f.s.AddEvidence(ctx, inc, bytes.NewReader(testPhoto(t, 20+i, 20, "")), "p.jpg", up, noLimits)
		if err != nil {
			t.Fatal(err)
		}
		shas = append(shas, ev.SHA256)
	}
	r, err := CheckDatabase(ctx, f.s.Path(), f.s.DataDir())
	if err != nil || r.Evidence != 3 || r.Verified != 3 || r.AuditEntries == 0 {
		t.Fatalf("intact: %+v, %v", r, err)
	}
	missing := f.s.BlobPath(shas[0])
	gone, _ := os.ReadFile(missing)
	os.Remove(missing)
	r, err = CheckDatabase(ctx, f.s.Path(), f.s.DataDir())
	if err != nil || len(r.Missing) != 1 || r.Missing[0] != shas[0] || r.Verified != 2 {
		t.Fatalf("one missing: %+v, %v", r, err)
	}
	if _, created, err := f.s.AddEvidence(ctx, inc, bytes.NewReader(gone), "p.jpg", up, noLimits); err != nil || created {
		t.Fatalf("the same file again: created %v, %v", created, err)
	}
	if r, err = CheckDatabase(ctx, f.s.Path(), f.s.DataDir()); err != nil || r.Verified != 3 {
		t.Fatalf("after the upload again: %+v, %v", r, err)
	}
	damaged := f.s.BlobPath(shas[1])
	os.Chmod(damaged, 0o600)
	if err := os.WriteFile(damaged, []byte("not the photo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r, err = CheckDatabase(ctx, f.s.Path(), f.s.DataDir()); err == nil || len(r.Mismatched) != 1 {
		t.Fatalf("a damaged file passed the check: %+v, %v", r, err)
	}
}
