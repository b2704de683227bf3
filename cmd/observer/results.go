package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/results"
	"github.com/observerkz/observer/internal/storage"
)

func init() {
	ir := command{name: "import results", summary: "imports official results as a new version (results.md)",
		usage: "--election C --label L [--source URL] [--add-stations] FILE.csv"}
	ir.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(ir, e)
		code := fs.String("election", "", "election code")
		label := fs.String("label", "", "the version's label, e.g. preliminary or final (unique within the election)")
		source := fs.String("source", "", "where the results were published (URL)")
		add := fs.Bool("add-stations", false, "create stations the election lacks (the file then needs region, optionally district)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *code == "" || *label == "" || fs.NArg() != 1 {
			return errors.New("usage: observer " + ir.name + " " + ir.usage)
		}
		data, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("unable to read %s: %w", fs.Arg(0), err)
		}
		st, el, err := openElection(ctx, e, *code, "")
		if err != nil {
			return err
		}
		defer st.Close()
		sum := sha256.Sum256(data)
		tab, errs := results.ParseCSV(bytes.NewReader(data), *add)
		var v results.Version
		if errs == nil {
			v, err = st.ImportResults(ctx, el, results.Version{Label: *label, Source: *source, SHA256: hex.EncodeToString(sum[:])}, tab, *add, operator)
		} else {
			err = errs
		}
		if errors.As(err, &errs) {
			return refuseFile(e.stderr, fs.Arg(0), errs)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "version %q: %d stations, candidates %v\n", v.Label, v.Stations, v.Candidates)
		return nil
	}
	register(ir)

	dc := command{name: "discrepancies", summary: "protocol copies against official results (results.md)",
		usage: "--election C [--version L] [--region R] [--format json|csv]"}
	dc.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(dc, e)
		code := fs.String("election", "", "election code")
		label := fs.String("version", "", "results version label (default: the latest)")
		region := fs.String("region", "", "region code (default: all)")
		format := fs.String("format", "json", "json or csv")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *code == "" || fs.NArg() != 0 {
			return errors.New("usage: observer " + dc.name + " " + dc.usage)
		}
		if *format != "json" && *format != "csv" {
			return fmt.Errorf("--format %q: use json or csv", *format)
		}
		st, el, err := openElection(ctx, e, *code, "")
		if err != nil {
			return err
		}
		defer st.Close()
		if err := checkRegion(ctx, st, el, *region); err != nil {
			return err
		}
		_, ds, err := results.NewService(st).Discrepancies(ctx, el.ID, *label, *region)
		if err != nil {
			return versionError(err, *label)
		}
		if *format == "csv" {
			return results.WriteDiscrepanciesCSV(e.stdout, ds)
		}
		return printJSON(e.stdout, ds)
	}
	register(dc)

	fc := command{name: "forensics", summary: "statistical forensics of official results (results.md)",
		usage: "--election C [--version L] [--leader CODE] [--region R] [--seed N]"}
	fc.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(fc, e)
		code := fs.String("election", "", "election code")
		label := fs.String("version", "", "results version label (default: the latest)")
		leader := fs.String("leader", "", "candidate code (default: the most votes in the election)")
		region := fs.String("region", "", "region code (default: the whole election)")
		seed := fs.Uint64("seed", results.DefaultSeed, "seed of the Monte Carlo null")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *code == "" || fs.NArg() != 0 {
			return errors.New("usage: observer " + fc.name + " " + fc.usage)
		}
		st, el, err := openElection(ctx, e, *code, "")
		if err != nil {
			return err
		}
		defer st.Close()
		if err := checkRegion(ctx, st, el, *region); err != nil {
			return err
		}
		an, err := results.NewService(st).Forensics(ctx, el.Code, el.ID, *label, results.Options{Leader: *leader, Region: *region, Seed: *seed})
		if err != nil {
			return versionError(err, *label)
		}
		return printJSON(e.stdout, an.Doc)
	}
	register(fc)
}

// createHint follows "no election with code …" where an import names an election.
const createHint = " (observer election add creates one)"

// openElection opens the database and the election with this code; hint follows the
// error when there is no such election.
func openElection(ctx context.Context, e *env, code, hint string) (*storage.Store, report.Election, error) {
	st, err := e.open(ctx)
	if err != nil {
		return nil, report.Election{}, err
	}
	el, err := st.ElectionByCode(ctx, code)
	if errors.Is(err, report.ErrNotFound) {
		st.Close()
		return nil, el, fmt.Errorf("no election with code %q%s", code, hint)
	} else if err != nil {
		st.Close()
		return nil, el, err
	}
	return st, el, nil
}

// checkRegion reads --region through the one scope rule, as the operator at the
// machine (report.ResolveScope, Locate): a code naming no region of the election
// is refused. The results service finds the region by its code.
func checkRegion(ctx context.Context, st *storage.Store, el report.Election, region string) error {
	req := report.Scope{Region: region}
	if err := report.ResolveScope(&operator, &req); err != nil {
		return err
	}
	if req.Region == "" {
		return nil
	}
	if _, bad, err := req.Locate(ctx, st, el.ID); err != nil {
		return err
	} else if len(bad) > 0 {
		return fmt.Errorf("--region %q: no such region in %s", region, el.Code)
	}
	return nil
}

func versionError(err error, label string) error {
	if errors.Is(err, results.ErrNoVersion) {
		return fmt.Errorf("--version %q: no results version with this label", label)
	}
	return err
}

func printJSON(w io.Writer, v any) error {
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("unable to write JSON: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", out)
	return err
}
