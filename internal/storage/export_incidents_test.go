package storage

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

func TestExportIncidents(t *testing.T) {
	s := openTest(t)
	f := newPackFixture(t, s)
	ctx := context.Background()
	opt := report.ExportOptions{Election: f.election, Tr: i18n.New("ru")}
	var b bytes.Buffer
	filter := report.IncidentFilter{ElectionID: f.election.ID, Category: "ballot_stuffing"}
	n, err := s.ExportIncidents(ctx, &b, report.FormatCSV, filter, opt, f.coordinator)
	if err != nil || n != 2 {
		t.Fatalf("csv export: %d, %v", n, err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b.Bytes(), []byte(report.UTF8BOM)))).ReadAll()
	if err != nil || len(rows) != 3 || rows[1][8] == "ballot_stuffing" {
		t.Fatalf("csv export rows %v (%v)", rows, err)
	}
	if rows[2][9] != "2022-11-20T10:00:00Z" { // a station without a zone: UTC
		t.Fatalf("occurred_at of a station without a zone: %s", rows[2][9])
	}
	b.Reset()
	opt.IncludeContacts = true
	filter = report.IncidentFilter{ElectionID: f.election.ID, Statuses: []report.Status{report.StatusNew}}
	n, err = s.ExportIncidents(ctx, &b, report.FormatJSON, filter, opt, f.coordinator)
	var js []report.IncidentJSON
	if err != nil || n != 2 || json.Unmarshal(b.Bytes(), &js) != nil || len(js) != 2 {
		t.Fatalf("json export: %d %v\n%s", n, err, b.String())
	}
	if js[0].Status != "new" || js[0].ObserverPhone == nil || *js[0].ObserverPhone != f.phone {
		t.Fatalf("json export %+v", js[0])
	}
	var entries []string
	snap, _ := s.Snapshot(ctx)
	defer snap.Close()
	snap.EachAuditEntry(ctx, f.election.ID, func(e report.AuditEntry) error {
		if e.Entity == "incidents" {
			entries = append(entries, e.Action+" "+e.After)
		}
		return nil
	})
	if len(entries) != 3 || !strings.Contains(entries[0], `"category":"ballot_stuffing"`) || !strings.Contains(entries[0], `"format":"csv"`) ||
		!strings.HasPrefix(entries[2], "contacts_read") {
		t.Fatalf("export audit entries %v", entries)
	}
	if _, err := s.ExportIncidents(ctx, &b, "xlsx", filter, opt, f.coordinator); err == nil {
		t.Fatal("an unknown format was accepted")
	}
}
