// Command floor is the bare server the load benchmark measures Observer against: one
// SQLite INSERT per HTTP request. The load tool builds and starts it; it is not meant
// to be run by hand.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/observerkz/observer/internal/loadtest"
)

func main() {
	var opt loadtest.FloorOptions
	flag.StringVar(&opt.DB, "db", "", "database file (created)")
	flag.StringVar(&opt.Synchronous, "sync", "NORMAL", "SQLite synchronous level: NORMAL or FULL")
	flag.StringVar(&opt.Addr, "addr", "127.0.0.1:0", "address to listen on (127.0.0.1 only)")
	flag.Parse()
	// The same garbage-collector target as observer serve (serverGCPercent), so that
	// the comparison is of the work done, not of the collector's setting.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := loadtest.ServeFloor(ctx, opt); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}
