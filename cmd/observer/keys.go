package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/observerkz/observer/internal/storage"
)

func init() {
	c := command{name: "signing-key new",
		summary: "makes a new evidence-pack signing key when the database's key is lost for good (serve refuses to start without it)",
		usage:   "--reason TEXT [--data DIR]"}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(c, e)
		reason := fs.String("reason", "", "why the old key is replaced (kept in the audit log)")
		data := fs.String("data", "", "the data folder (default: the one the database recorded, or next to it)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *reason == "" {
			return errors.New("--reason TEXT is required: say why the old key is replaced (it goes into the audit log)")
		}
		st, err := storage.Open(ctx, storage.Options{Path: e.dbPath, DataDir: *data})
		if err != nil {
			return err
		}
		defer st.Close()
		fp, err := st.NewSigningKey(ctx, *reason)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "new signing key %s/signing.key, fingerprint %s\n", st.DataDir(), fp)
		fmt.Fprintln(e.stdout, "Packs signed before still verify against their own fingerprint; give this one to whoever checks new packs, and copy the key to the standby's key folder.")
		return nil
	}
	register(c)
}
