package replica

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/benbjohnson/litestream"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// A copy of the primary's database (a backup, the file copied without Litestream's
// folder) carries the primary's epoch but no replication position: the replica is
// ahead of it, and replicating it there would write its older state over the
// replica's. It is refused; the primary itself, restarted, is not.
func TestReplicaAheadOfACopyRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ps, err := storage.Open(ctx, storage.Options{Path: filepath.Join(dir, "primary.db"), Replicating: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	target, err := Parse(ctx, replicaURL(t, "rep"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Start(ctx, target, ps.Path(), ps.DataDir(), ps.Epoch(), quiet(), nil)
	if err != nil {
		t.Fatal(err)
	}
	copyDB := filepath.Join(dir, "copy.db")
	if err := ps.Backup(ctx, copyDB); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.CreateElection(ctx, "kz-2026", "Test", "2026-03-15", report.DefaultElectionZone, report.User{}); err != nil {
		t.Fatal(err)
	}
	caughtUp(t, rep)
	if err := rep.Close(ctx); err != nil {
		t.Fatal(err)
	}
	cs, err := storage.Open(ctx, storage.Options{Path: copyDB, DataDir: ps.DataDir(), Replicating: true})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if cs.Epoch() != ps.Epoch() {
		t.Fatalf("the copy's epoch %q, the primary's %q", cs.Epoch(), ps.Epoch())
	}
	if r, err := Start(ctx, target, cs.Path(), cs.DataDir(), cs.Epoch(), quiet(), nil); err == nil || !strings.Contains(err.Error(), "is ahead of this database") {
		if r != nil {
			r.Close(ctx)
		}
		t.Fatalf("a copy behind the replica was let replicate there: %v", err)
	}
	again, err := Start(ctx, target, ps.Path(), ps.DataDir(), ps.Epoch(), quiet(), nil)
	if err != nil {
		t.Fatalf("the primary restarted on its own replica: %v", err)
	}
	if err := again.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// Once serve has claimed a standby's database (before it writes anything to it),
// standby refuses to resume on it, even if serve stopped before its new epoch.
func TestStandbyRefusesAClaimedDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	target, err := Parse(ctx, replicaURL(t, "rep"))
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "standby.db")
	if err := os.WriteFile(db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeOrigin(db, Origin{MadeBy: "standby", From: target.URL, DataDir: filepath.Join(dir, "data")}); err != nil {
		t.Fatal(err)
	}
	if err := litestream.WriteTXIDFile(db, 3); err != nil {
		t.Fatal(err)
	}
	if err := Claim(db); err != nil {
		t.Fatal(err)
	}
	if err := Standby(ctx, target, db, filepath.Join(dir, "data"), nil); err == nil || !strings.Contains(err.Error(), "has been served") {
		t.Fatalf("standby resumed on a database serve had claimed: %v", err)
	}
}

// An S3 endpoint without a scheme gets the one Litestream gives it, so that the
// evidence goes where the database goes (http for a local server).
func TestReplicaS3EndpointScheme(t *testing.T) {
	for endpoint, want := range map[string]string{
		"localhost:9000":            "http://localhost:9000",
		"s3.example.org":            "https://s3.example.org",
		"https://s3.example.org:99": "https://s3.example.org:99",
	} {
		u, err := url.Parse("s3://bucket/path?region=kz&endpoint=" + url.QueryEscape(endpoint))
		if err != nil {
			t.Fatal(err)
		}
		s, err := newS3Store(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(s.client.Options().BaseEndpoint); got != want {
			t.Errorf("endpoint %s: evidence to %q, want %s", endpoint, got, want)
		}
	}
}
