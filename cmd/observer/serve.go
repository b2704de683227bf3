package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/observerkz/observer/internal/alert"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/web"
	"github.com/observerkz/observer/web/i18n"
)

func init() {
	c := command{name: "serve", summary: "runs the web app (the default command)", usage: "[--addr :8080] [--data DIR] [--replicate URL]"}
	c.run = func(ctx context.Context, e *env, args []string) error {
		fs := flags(c, e)
		sf := serveFlags(fs)
		data := fs.String("data", "", "folder for evidence files and keys (default: next to the database, or the one restore/standby recorded)")
		replicate := fs.String("replicate", "", "also replicate the database and evidence files to file:///dir or s3://bucket/path?endpoint=…&region=…")
		if err := fs.Parse(args); err != nil {
			return err
		}
		lagAlerts := make(chan report.AlertFacts, 8)
		store, rep, err := openServed(ctx, e, *data, *replicate, lagAlerts)
		if err != nil {
			return err
		}
		sf.systemAlerts = lagAlerts
		// Litestream is closed after the store's own connections (its README).
		defer closeServed(store, rep)
		if rep != nil {
			sf.replication = rep
		}
		return serve(ctx, e, store, sf, nil)
	}
	register(c)
}

type serveOpts struct {
	addr, baseURL, proxies *string
	insecure               *bool
	maxFileMB              *int64
	maxPack, maxVerify     *byteSize
	quietUnknown           *bool
	silentMin              *int64
	maxUploads             *byteSize
	replication            web.Replication
	// systemAlerts are alerts about the installation (a replica falling behind)
	// for the alert sender to queue for administrators.
	systemAlerts <-chan report.AlertFacts
}

func serveFlags(fs interface {
	String(string, string, string) *string
	Bool(string, bool, string) *bool
	Int64(string, int64, string) *int64
	Var(flag.Value, string, string)
}) serveOpts {
	o := serveOpts{
		addr:       fs.String("addr", ":8080", "address to listen on"),
		baseURL:    fs.String("base-url", "", "public address of the server, for links (default http://localhost:PORT)"),
		proxies:    fs.String("trusted-proxies", "", "comma-separated CIDR ranges of reverse proxies whose X-Forwarded-For is trusted"),
		insecure:   fs.Bool("insecure-cookies", false, "send cookies over plain HTTP too (only for a LAN without TLS; localhost works without it)"),
		maxFileMB:  fs.Int64("max-file-mb", 50, "largest evidence file accepted, in MB"),
		maxPack:    new(byteSize),
		maxVerify:  new(byteSize),
		maxUploads: new(byteSize),
		quietUnknown: fs.Bool("quiet-unknown-senders", false,
			"do not answer messages from numbers that are no observer's (they are kept in the inbox all the same)"),
		silentMin: fs.Int64("silent-after", 90, "minutes without contact after which a checked-in observer counts as silent"),
	}
	fs.Var(o.maxUploads, "max-uploads", "most evidence one account may upload in one election (default 2GiB)")
	fs.Var(o.maxPack, "max-pack", "largest evidence pack a coordinator may upload to /verify (default 4GiB)")
	fs.Var(o.maxVerify, "max-verify", "most one check on /verify may unpack (default twice --max-pack)")
	return o
}

// serverGCPercent is the server's garbage-collector target: a collection when the
// heap has grown by twice what is live, rather than Go's once. Every submission
// allocates and frees its request, so fewer collections are less CPU a form
// (BenchmarkAPIPath shows it), for a heap that may grow to three times what is
// live. GOGC, when set, decides instead; GOMEMLIMIT may cap it.
const serverGCPercent = 200

// tuneGC applies serverGCPercent unless GOGC is set.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
}

// serve runs the server until ctx ends; banner adds lines to the start-up message.
func serve(ctx context.Context, e *env, store *storage.Store, o serveOpts, banner func(base string) []string) error {
	tuneGC()
	base := *o.baseURL
	if base == "" {
		_, port, err := net.SplitHostPort(*o.addr)
		if err != nil {
			return fmt.Errorf("--addr %q: %w", *o.addr, err)
		}
		base = "http://localhost:" + port
	}
	var proxies []string
	if *o.proxies != "" {
		proxies = strings.Split(*o.proxies, ",")
	}
	cfg := web.Config{BaseURL: base, SecureCookies: !*o.insecure, TrustedProxies: proxies, MaxFileBytes: *o.maxFileMB << 20,
		MaxPackBytes: int64(*o.maxPack), MaxVerifyBytes: int64(*o.maxVerify), MaxUploaderBytes: int64(*o.maxUploads),
		QuietUnknownSenders: *o.quietUnknown, SilentAfter: time.Duration(*o.silentMin) * time.Minute,
		Replication: o.replication}
	// The request log is written out in batches (logbuf.go).
	logs := newLogBuffer(e.stderr, logFlushEvery)
	defer logs.Close()
	log := slog.New(flushOnWarn{slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}), logs})
	srv, err := web.New(cfg, store, log)
	if err != nil {
		return err
	}
	link, err := srv.SetupLink(ctx)
	if err != nil {
		return err
	}
	// Photos' report thumbnails are made in the background as they are stored.
	thumbCtx, stopThumbs := context.WithCancel(ctx)
	thumbsDone := make(chan struct{})
	go func() { store.RunThumbnails(thumbCtx); close(thumbsDone) }()
	defer func() { stopThumbs(); <-thumbsDone }()
	// Alerts to coordinators leave from the outbox, never from a submission.
	alertCtx, stopAlerts := context.WithCancel(ctx)
	alertsDone := make(chan struct{})
	sender := &alert.Sender{Store: store, BaseURL: base, Log: log, Silence: cfg.SilentAfter, System: o.systemAlerts,
		Tr: func(lang string) report.Translator { return i18n.New(lang, "ru") }}
	go func() { sender.Run(alertCtx); close(alertsDone) }()
	defer func() { stopAlerts(); <-alertsDone }()
	return srv.Run(ctx, *o.addr, func(addr net.Addr) {
		fmt.Fprintf(e.stdout, "Observer is running at %s (database %s)\n", base, store.Path())
		if link != "" {
			fmt.Fprintf(e.stdout, "No administrator yet. Open this one-time link to create one:\n  %s\n", link)
		}
		if banner != nil {
			for _, l := range banner(base) {
				fmt.Fprintln(e.stdout, l)
			}
		}
		fmt.Fprintln(e.stdout, "Press Ctrl+C to stop.")
	})
}
