package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

func init() {
	vc := command{name: "verify", summary: "checks an evidence pack, or with --audit the database's audit chain",
		usage: "[--lang en|ru|kk] [--trust FINGERPRINT] [--max-entry SIZE] [--max-total SIZE] [--max-ratio N] PACK.zip | --audit"}
	vc.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(vc, e)
		audit := fs.Bool("audit", false, "check the hash chain of the database's audit log (--db)")
		lang := fs.String("lang", "", "language of the account: en, ru or kk (default from LANG)")
		var trust stringList
		fs.Var(&trust, "trust", "fingerprint of a signing key to trust (repeatable); without it the key is only shown")
		var limits report.VerifyOptions
		var maxEntry, maxTotal byteSize
		fs.Var(&maxEntry, "max-entry", "refuse a file of the pack that unpacks to more than this (default 16GiB)")
		fs.Var(&maxTotal, "max-total", "unpack at most this much in all (default 256GiB)")
		fs.Int64Var(&limits.MaxRatio, "max-ratio", 0, "refuse a file over 1 MiB that unpacks to more than this many times its packed size (default 200)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		switch {
		case *audit && fs.NArg() == 0:
			return verifyAudit(ctx, e)
		case !*audit && fs.NArg() == 1:
			if err := checkLang(*lang); err != nil {
				return err
			}
			tr := i18n.New(*lang, os.Getenv("LANG"))
			limits.TrustedFingerprints = trust
			limits.MaxEntryBytes, limits.MaxTotalBytes = int64(maxEntry), int64(maxTotal)
			return verifyPack(e, fs.Arg(0), tr, limits)
		}
		return errors.New("give either one pack file (observer verify PACK.zip) or --audit")
	}
	register(vc)
}

// verifyAudit re-hashes the audit log: the number of entries when intact, else the
// first broken entry and why, with exit status 1.
func verifyAudit(ctx context.Context, e *env) error {
	st, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.VerifyAuditChain(ctx)
	var ce *report.ChainError
	if errors.As(err, &ce) {
		fmt.Fprintf(e.stdout, "audit chain BROKEN at entry %d: %s\n", ce.EntryID, ce.Reason)
		fmt.Fprintf(e.stdout, "%d entries before it are intact; the log was changed outside Observer from entry %d on\n", n, ce.EntryID)
		return exitCode(1)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "audit chain intact: %d entries checked\n", n)
	return nil
}

// verifyPack checks a pack with the evidence-pack verification and prints its account.
func verifyPack(e *env, path string, tr report.Translator, opt report.VerifyOptions) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("unable to open %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("unable to read %s: %w", path, err)
	}
	res, err := report.VerifyPack(f, fi.Size(), opt)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := res.Print(e.stdout, tr); err != nil {
		return err
	}
	if !res.OK() {
		return exitCode(1)
	}
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
