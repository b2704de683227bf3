// Command observer runs the Observer web app and its operator commands. This file
// and its siblings only wire flags to the packages that do the work.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/observerkz/observer/internal/storage"
)

// command is one subcommand. name may have two words ("election add").
type command struct {
	name    string
	summary string
	usage   string
	run     func(ctx context.Context, env *env, args []string) error
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

// env is what every command gets.
type env struct {
	dbPath string
	dbSet  bool // --db was given (the demo uses its own file otherwise)
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

func (e *env) open(ctx context.Context) (*storage.Store, error) {
	return storage.Open(ctx, storage.Options{Path: e.dbPath})
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	global := flag.NewFlagSet("observer", flag.ContinueOnError)
	global.SetOutput(stderr)
	def := os.Getenv("OBSERVER_DB")
	if def == "" {
		def = "observer.db"
	}
	db := global.String("db", def, "SQLite database file (or OBSERVER_DB)")
	global.Usage = func() { usage(stderr) }
	if err := global.Parse(args); err != nil {
		return 2
	}
	rest := global.Args()
	if len(rest) == 0 {
		rest = []string{"serve"}
	}
	cmd, cargs, ok := lookup(rest)
	if !ok {
		fmt.Fprintf(stderr, "observer: unknown command %q (observer help lists them)\n", strings.Join(rest, " "))
		return 2
	}
	e := &env{dbPath: *db, stdin: stdin, stdout: stdout, stderr: stderr,
		dbSet: flagSet(global, "db"),
		log:   slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	if err := cmd.run(ctx, e, cargs); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ec exitCode
		if errors.As(err, &ec) {
			return int(ec)
		}
		// One line, as operators' scripts expect.
		fmt.Fprintf(stderr, "observer %s: %s\n", cmd.name, strings.ReplaceAll(err.Error(), "\n", "; "))
		return 1
	}
	return 0
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// exitCode ends a command with a status and no further message (it printed its own).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

func lookup(args []string) (command, []string, bool) {
	if len(args) >= 2 {
		if c, ok := commands[args[0]+" "+args[1]]; ok {
			return c, args[2:], true
		}
	}
	if c, ok := commands[args[0]]; ok {
		return c, args[1:], true
	}
	return command{}, nil, false
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: observer [--db PATH] COMMAND [flags]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-22s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nobserver help COMMAND explains one command.")
}

// flags makes a command's flag set whose usage prints the command's help. Every
// command also takes --db after its name ("observer stats --election C --db F"),
// as well as before it.
func flags(c command, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: observer %s %s\n\n%s\n\n", c.name, c.usage, c.summary)
		fs.PrintDefaults()
	}
	fs.Func("db", "SQLite database file (also before the command; or OBSERVER_DB)", func(path string) error {
		e.dbPath, e.dbSet = path, true
		return nil
	})
	return fs
}

func init() {
	register(command{name: "help", summary: "explains a command", usage: "[COMMAND]",
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) == 0 {
				usage(e.stdout)
				return nil
			}
			c, _, ok := lookup(args)
			if !ok {
				return fmt.Errorf("unknown command %q", strings.Join(args, " "))
			}
			// Every command prints its usage on -h; send it to stdout.
			err := c.run(ctx, &env{dbPath: e.dbPath, stdin: e.stdin, stdout: e.stdout, stderr: e.stdout, log: e.log}, []string{"-h"})
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}})
}
