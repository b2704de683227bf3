package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/results"
	"github.com/observerkz/observer/internal/storage"
)

func init() {
	is := command{name: "import stations", summary: "imports polling stations from a CSV file (upsert by code)",
		usage: "--election C FILE.csv"}
	is.run = func(ctx context.Context, e *env, args []string) error {
		return runImport(ctx, e, is, args, func(st *storage.Store, el report.Election, f io.Reader) (report.ImportCounts, error) {
			recs, err := report.ParseStations(f)
			if err != nil {
				return report.ImportCounts{}, err
			}
			return st.ImportStations(ctx, el, recs, operator)
		})
	}
	register(is)

	ob := command{name: "import observers", summary: "imports observers (codes, sealed contact details, assigned stations) from a CSV file",
		usage: "--election C FILE.csv"}
	ob.run = func(ctx context.Context, e *env, args []string) error {
		return runImport(ctx, e, ob, args, func(st *storage.Store, el report.Election, f io.Reader) (report.ImportCounts, error) {
			recs, err := report.ParseObservers(f)
			if err != nil {
				return report.ImportCounts{}, err
			}
			return st.ImportObservers(ctx, el, recs, operator)
		})
	}
	register(ob)
}

// runImport opens the file and the election, runs do, and prints the counts, or every
// error of the file (then exits 1, having written nothing).
func runImport(ctx context.Context, e *env, c command, args []string,
	do func(*storage.Store, report.Election, io.Reader) (report.ImportCounts, error)) error {
	fs := flags(c, e)
	code := fs.String("election", "", "election code")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" || fs.NArg() != 1 {
		return errors.New("usage: observer " + c.name + " " + c.usage)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("unable to open %s: %w", fs.Arg(0), err)
	}
	defer f.Close()
	st, el, err := openElection(ctx, e, *code, createHint)
	if err != nil {
		return err
	}
	defer st.Close()
	counts, err := do(st, el, f)
	var errs report.CSVErrors
	if errors.As(err, &errs) {
		return refuseFile(e.stderr, fs.Arg(0), errs)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added %d, updated %d, unchanged %d\n", counts.Added, counts.Updated, counts.Unchanged)
	return nil
}

// refuseFile says that nothing was imported from the file, lists its errors one a line
// (each by its Error or String method) and exits 1.
func refuseFile[E report.CSVError | results.CSVError | report.LineError](w io.Writer, name string, errs []E) error {
	fmt.Fprintf(w, "%s: nothing was imported; fix these and import the file again:\n", name)
	for _, e := range errs {
		fmt.Fprintf(w, "  %s\n", e)
	}
	return exitCode(1)
}
