package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/observerkz/observer/internal/report"
)

func init() {
	c := command{name: "import observations",
		summary: "imports observation forms (with their incidents) from a JSON Lines file; a line sent before is left unchanged",
		usage:   "--election C FILE.jsonl"}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(c, e)
		code := fs.String("election", "", "election code")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *code == "" || fs.NArg() != 1 {
			return errors.New("usage: observer " + c.name + " " + c.usage)
		}
		name := fs.Arg(0)
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("unable to open %s: %w", name, err)
		}
		defer f.Close()
		st, el, err := openElection(ctx, e, *code, createHint)
		if err != nil {
			return err
		}
		defer st.Close()
		recs, errs, err := report.ReadObservationLines(f)
		if err != nil {
			return err
		}
		// Every problem of the file at once: those of the lines' shape, then those
		// only the database can tell (unknown station, observer, question, category).
		more, err := st.CheckObservations(ctx, el.ID, recs, operator)
		if err != nil {
			return err
		}
		errs = append(errs, more...)
		if len(errs) > 0 {
			sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
			return refuseFile(e.stderr, name, errs)
		}
		res, err := st.ImportObservations(ctx, el.ID, recs, filepath.Base(name), operator)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "added %d, unchanged %d, rejected %d\n", res.Added, res.Unchanged, res.Rejected)
		for _, le := range res.Rejections {
			fmt.Fprintf(e.stderr, "  rejected %s\n", le.String())
		}
		return nil
	}
	register(c)
}
