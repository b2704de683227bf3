package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/results"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/web/i18n"
)

func init() {
	ic := command{name: "export incidents", summary: "writes the incidents of an election as CSV or JSON (formats.md)",
		usage: "--election C [--format csv|json] [--region R] [--district D] [--station S] [--category X] [--status S] [--from T] [--to T] [--ids 1,2,3] [--lang L] [--include-contacts] --out FILE"}
	ic.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(ic, e)
		sf := scopeFlags(fs)
		format := fs.String("format", report.FormatCSV, "csv (UTF-8 with BOM, for spreadsheets) or json")
		lang := fs.String("lang", "", "language of category names: en, ru or kk (default from LANG)")
		contacts := fs.Bool("include-contacts", false, "add observers' names and phone numbers (personal data; recorded in the audit log)")
		out := fs.String("out", "", "file to write")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *format != report.FormatCSV && *format != report.FormatJSON {
			return fmt.Errorf("--format %q: use csv or json", *format)
		}
		if err := checkLang(*lang); err != nil {
			return err
		}
		if *out == "" {
			return errors.New("give the file to write with --out FILE")
		}
		st, el, scope, err := sf.open(ctx, e)
		if err != nil {
			return err
		}
		defer st.Close()
		opt := report.ExportOptions{Election: el, Tr: i18n.New(*lang, os.Getenv("LANG")), IncludeContacts: *contacts, Zone: sf.zone}
		var n int
		res, err := writeAtomically(*out, func(w io.Writer) error {
			var err error
			n, err = st.ExportIncidents(ctx, w, *format, scope.Filter, opt, operator)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "incidents: %d\nfile: %s\nbytes: %d\nsha256: %s\n", n, *out, res.bytes, res.sha256)
		return nil
	}
	register(ic)

	pc := command{name: "export pack", summary: "writes the signed evidence pack of a scope (formats.md); check it with observer verify",
		usage: "--election C [--region R] [--district D] [--station S] [--category X] [--status S] [--from T] [--to T] [--ids 1,2,3] [--lang en|ru|kk] [--include-contacts] --out FILE.zip|FOLDER"}
	pc.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(pc, e)
		sf := scopeFlags(fs)
		lang := fs.String("lang", "", "language of the README and the report: en, ru or kk (default from LANG)")
		contacts := fs.Bool("include-contacts", false, "put observers' names and phone numbers in the pack (personal data; recorded in the audit log)")
		out := fs.String("out", "", "the ZIP to write, or a folder to write it into under its standard name")
		smallN := fs.Int("small-n", report.DefaultSmallN, "shares with a smaller denominator are flagged small_n in the statistics")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *out == "" {
			return errors.New("give the file to write with --out FILE.zip (or a folder)")
		}
		if err := checkLang(*lang); err != nil {
			return err
		}
		st, el, scope, err := sf.open(ctx, e)
		if err != nil {
			return err
		}
		defer st.Close()
		q := report.StatsQuery{ElectionID: el.ID, Election: el.Code, Region: scope.RegionCode, District: scope.DistrictCode,
			SmallNThreshold: *smallN}
		if f := scope.Filter; len(f.Statuses) == 1 && f.Statuses[0] == report.StatusVerified {
			q.Status = report.FilterVerified
		}
		if w := scope.Filter.Window; w.From != nil || w.To != nil {
			q.Window = &w
		}
		doc, err := report.NewStatsCache(st).Document(ctx, q)
		if err != nil {
			return err
		}
		now := st.Now()
		opt := report.PackOptions{Election: el, Scope: scope, Tr: i18n.New(*lang, os.Getenv("LANG")), Stats: doc,
			IncludeContacts: *contacts, CreatedAt: now, Zone: sf.zone}
		opt.FileName = report.PackFileName(el.Code, scope, now)
		if opt.Discrepancies, err = results.NewService(st).ForPack(ctx, el.ID, scope); err != nil {
			return err
		}
		path := *out
		// "--out packs/" names a folder, made if it is not there yet.
		if fi, err := os.Stat(path); (err == nil && fi.IsDir()) || strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(os.PathSeparator)) {
			path = filepath.Join(path, opt.FileName)
		}
		var sum report.PackSummary
		res, err := writeAtomically(path, func(w io.Writer) error {
			var err error
			sum, err = st.WriteEvidencePack(ctx, w, operator, opt)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "evidence pack: %s\nincidents: %d\nevidence files: %d (%d bytes)\nobservations: %d\nmessages: %d\naudit entries: %d\nbytes: %d\nsha256: %s\nsigning key: %s\n",
			path, sum.Incidents, sum.EvidenceFiles, sum.EvidenceBytes, sum.Observations, sum.Messages, sum.AuditEntries, res.bytes, res.sha256, sum.Fingerprint)
		if *contacts {
			fmt.Fprintln(e.stdout, "the pack holds observers' contact details: keep it safe")
		}
		return nil
	}
	register(pc)
}

// exportScopeFlags are the scope flags both exports take.
type exportScopeFlags struct {
	election, region, district, station, phase, category, status, from, to, ids *string
	// zone is the election's time zone once resolved: the times of stations
	// without a zone of their own are shown in it.
	zone *time.Location
}

func scopeFlags(fs *flag.FlagSet) *exportScopeFlags {
	return &exportScopeFlags{
		election: fs.String("election", "", "election code"),
		region:   fs.String("region", "", "region code (default: the whole election)"),
		district: fs.String("district", "", "district code (with --region)"),
		station:  fs.String("station", "", "polling station code"),
		phase:    fs.String("phase", "", "opening, voting, counting or tabulation"),
		category: fs.String("category", "", "incident category code"),
		status:   fs.String("status", "", "new, verified or rejected; several separated by commas (default: all)"),
		from:     fs.String("from", "", "incidents that happened at or after this time: RFC 3339, or 2026-03-15T08:00 in the election's time zone"),
		to:       fs.String("to", "", "incidents that happened before this time (same forms as --from)"),
		ids:      fs.String("ids", "", "only these incidents: ids separated by commas"),
	}
}

// open opens the database and resolves the scope's codes to the election's places.
func (sf *exportScopeFlags) open(ctx context.Context, e *env) (*storage.Store, report.Election, report.PackScope, error) {
	var scope report.PackScope
	if *sf.election == "" {
		return nil, report.Election{}, scope, errors.New("give the election with --election CODE")
	}
	st, err := e.open(ctx)
	if err != nil {
		return nil, report.Election{}, scope, err
	}
	el, err := sf.resolve(ctx, st, &scope)
	if err != nil {
		st.Close()
		return nil, el, scope, err
	}
	return st, el, scope, nil
}

// cliScopeErrors words the scope's errors for the flags.
var cliScopeErrors = map[string]string{
	report.ScopeUnknownRegion:    "no such region in this election",
	report.ScopeUnknownDistrict:  "no such district in the region given",
	report.ScopeDistrictNoRegion: "give --region too (district codes repeat across regions)",
	report.ScopeUnknownStation:   "no such polling station in this election",
	report.ScopeStationElsewhere: "not in the region or district given",
}

// resolve reads the scope flags through the one scope rule (report.ResolveScope,
// as the operator at the machine, who sees everything) into scope.
func (sf *exportScopeFlags) resolve(ctx context.Context, st *storage.Store, scope *report.PackScope) (report.Election, error) {
	el, err := st.ElectionByCode(ctx, *sf.election)
	if errors.Is(err, report.ErrNotFound) {
		return el, fmt.Errorf("no election with code %q", *sf.election)
	}
	if err != nil {
		return el, err
	}
	req := report.Scope{Region: *sf.region, District: *sf.district, Station: *sf.station}
	if err := report.ResolveScope(&operator, &req); err != nil {
		return el, err
	}
	ps, bad, err := req.Locate(ctx, st, el.ID)
	if err != nil {
		return el, err
	}
	if len(bad) > 0 {
		e := bad[0]
		return el, fmt.Errorf("--%s %q: %s", e.Field, map[string]string{"region": *sf.region, "district": *sf.district, "station": *sf.station}[e.Field], cliScopeErrors[e.Code])
	}
	*scope = ps
	f := &scope.Filter
	if *sf.phase != "" {
		if f.Phase = report.Phase(*sf.phase); !report.ValidPhase(f.Phase) {
			return el, fmt.Errorf("--phase %q: use opening, voting, counting or tabulation", *sf.phase)
		}
	}
	f.Category = *sf.category
	for _, s := range strings.Split(*sf.status, ",") {
		if s = strings.TrimSpace(s); s == "" || s == "all" {
			continue
		}
		if !report.ValidStatus(report.Status(s)) {
			return el, fmt.Errorf("--status %q: use new, verified or rejected", s)
		}
		if !slices.Contains(f.Statuses, report.Status(s)) {
			f.Statuses = append(f.Statuses, report.Status(s))
		}
	}
	loc, err := st.ElectionLocation(ctx, el.ID)
	if err != nil {
		return el, err
	}
	sf.zone = loc
	for _, p := range []struct {
		flag, val string
		dst       **time.Time
	}{{"from", *sf.from, &f.Window.From}, {"to", *sf.to, &f.Window.To}} {
		if p.val == "" {
			continue
		}
		t, err := report.ParseWhen(p.val, loc)
		if err != nil {
			return el, fmt.Errorf("--%s %q: use RFC 3339 (2026-03-15T08:00:00+05:00) or 2026-03-15T08:00 in the election's zone (%s)", p.flag, p.val, loc)
		}
		*p.dst = &t
	}
	if w := f.Window; w.From != nil && w.To != nil && !w.To.After(*w.From) {
		return el, errors.New("--to must be after --from")
	}
	for _, s := range strings.FieldsFunc(*sf.ids, func(r rune) bool { return r == ',' || r == ' ' }) {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return el, fmt.Errorf("--ids: %q is not an incident id", s)
		}
		f.IDs = append(f.IDs, id)
	}
	return el, nil
}

// checkLang refuses a --lang that is not one of the languages Observer speaks
// ("" leaves the choice to LANG).
func checkLang(lang string) error {
	if lang != "" && !slices.Contains(i18n.Languages, lang) {
		return fmt.Errorf("--lang %q: use %s", lang, strings.Join(i18n.Languages, ", "))
	}
	return nil
}

// written is what writeAtomically wrote.
type written struct {
	bytes  int64
	sha256 string
}

// hashingWriter counts and hashes what passes through it.
type hashingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (hw *hashingWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	return n, err
}

// writeAtomically writes a file through a temporary file in the same folder,
// renamed into place only once it is complete and on disk: a failed or
// interrupted export leaves no half file (and never replaces a good one).
func writeAtomically(path string, fill func(io.Writer) error) (written, error) {
	var res written
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, fmt.Errorf("unable to create the folder %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.part")
	if err != nil {
		return res, fmt.Errorf("unable to write in %s: %w", dir, err)
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	hw := &hashingWriter{w: bw, h: sha256.New()}
	if err := fill(hw); err != nil {
		return res, err
	}
	if err := bw.Flush(); err != nil {
		return res, fmt.Errorf("unable to write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return res, fmt.Errorf("unable to write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return res, fmt.Errorf("unable to write %s: %w", path, err)
	}
	done = true
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return res, fmt.Errorf("unable to put %s in place: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	res.bytes, res.sha256 = hw.n, hex.EncodeToString(hw.h.Sum(nil))
	return res, nil
}
