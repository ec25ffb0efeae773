// Command ferretdb runs FerretDB 1.24.2 (MongoDB wire protocol on PostgreSQL)
// through its embeddable package: the released cmd/ferretdb built from the
// module panics at start (its version file is generated at release time only).
//
//	ferretdb [--listen-addr ADDR] [--postgresql-url URL] [--log-level LEVEL]
//	ferretdb health [--listen-addr ADDR]
//
// Each flag defaults to the FerretDB image's variable of the same meaning:
// FERRETDB_LISTEN_ADDR, FERRETDB_POSTGRESQL_URL, FERRETDB_LOG_LEVEL.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func envOr(key, fallback string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return fallback
}

func main() {
	args := os.Args[1:]
	health := len(args) > 0 && args[0] == "health"
	if health {
		args = args[1:]
	}

	fs := flag.NewFlagSet("ferretdb", flag.ExitOnError)
	listen := fs.String("listen-addr", envOr("FERRETDB_LISTEN_ADDR", "127.0.0.1:27017"), "TCP address to listen on")
	pgURL := fs.String("postgresql-url", envOr("FERRETDB_POSTGRESQL_URL", "postgres://postgres@127.0.0.1:5432/ferretdb"), "PostgreSQL URL of an existing UTF8 database")
	level := fs.String("log-level", envOr("FERRETDB_LOG_LEVEL", "error"), "debug, info, warn or error")
	_ = fs.Parse(args)

	if health {
		os.Exit(checkHealth(*listen))
	}
	if err := run(*listen, *pgURL, *level); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}

func run(listen, pgURL, level string) error {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return fmt.Errorf("bad log level %q: %w", level, err)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: listen},
		Handler:       "postgresql",
		PostgreSQLURL: pgURL,
		Logger:        logger,
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return f.Run(ctx)
}

// checkHealth dials the listen address; a wildcard host (0.0.0.0 in a
// container) is dialled on loopback.
func checkHealth(listen string) int {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb health:", err)
		return 1
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), 2*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb health:", err)
		return 1
	}
	_ = conn.Close()
	return 0
}
