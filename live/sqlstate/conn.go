package sqlstate

import (
	"context"
	gosql "database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/netc-dev/netc/compiler/ir"
)

// Conn is one read-only connection to a server, inside one read-only transaction that
// Close rolls back: every read of a plan or audit sees the same snapshot.
type Conn struct {
	engine ir.Engine
	dbname string
	server string // host:port/dbname, for reports

	pg   *pgx.Conn
	pgTx pgx.Tx

	my   *gosql.DB
	myC  *gosql.Conn
	myTx *gosql.Tx
}

// Engine is the server's engine: Postgres, MariaDB or MySQL (the last two told apart by
// the server's version string).
func (c *Conn) Engine() ir.Engine { return c.engine }

// DBName is the database the URL names.
func (c *Conn) DBName() string { return c.dbname }

// Server is host:port/dbname, without credentials.
func (c *Conn) Server() string { return c.server }

// connectTimeout bounds connecting when the URL does not set it.
const connectTimeout = 10 * time.Second

// Open connects to the server a URL names and starts the read-only transaction. The
// URL forms (docs/sql.md):
//
//	postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?PARAMS]   (also postgresql://; pgx's parameters)
//	mysql://USER[:PASSWORD]@tcp(HOST:PORT)/DBNAME[?PARAMS]   (a go-sql-driver/mysql DSN after the scheme)
//	mysql://USER[:PASSWORD]@HOST[:PORT]/DBNAME               (the URL form; port 3306)
//
// with mariadb:// the same as mysql://. The URL must name a database.
func Open(ctx context.Context, rawURL string) (*Conn, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, errors.New("--db wants a URL: postgres://USER@HOST:PORT/DBNAME or mysql://USER@tcp(HOST:PORT)/DBNAME (also mariadb://)")
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		return openPG(ctx, rawURL)
	case "mysql", "mariadb":
		return openMy(ctx, rest)
	}
	return nil, fmt.Errorf("--db: unknown scheme %q; want postgres://, postgresql://, mysql:// or mariadb://", scheme)
}

func openPG(ctx context.Context, rawURL string) (*Conn, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("--db: %v", redact(err, rawURL))
	}
	if cfg.Database == "" {
		return nil, errors.New("--db: the URL names no database (postgres://USER@HOST:PORT/DBNAME)")
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	// Every transaction of the session is read-only from the first statement on; the
	// server refuses any write, whatever netc's code did.
	cfg.RuntimeParams["default_transaction_read_only"] = "on"
	c := &Conn{engine: ir.Postgres, dbname: cfg.Database,
		server: net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)) + "/" + cfg.Database}
	c.pg, err = pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to PostgreSQL at %s: %v", c.server, redact(err, rawURL))
	}
	if _, err := c.pg.Exec(ctx, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"); err != nil {
		c.pg.Close(ctx)
		return nil, fmt.Errorf("PostgreSQL at %s: %v", c.server, err)
	}
	c.pgTx, err = c.pg.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		c.pg.Close(ctx)
		return nil, fmt.Errorf("PostgreSQL at %s: %v", c.server, err)
	}
	return c, nil
}

func openMy(ctx context.Context, rest string) (*Conn, error) {
	cfg, err := myConfig(rest)
	if err != nil {
		return nil, err
	}
	if cfg.DBName == "" {
		return nil, errors.New("--db: the URL names no database (mysql://USER@tcp(HOST:PORT)/DBNAME)")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = connectTimeout
	}
	cfg.MultiStatements = false
	c := &Conn{dbname: cfg.DBName, server: cfg.Addr + "/" + cfg.DBName}
	c.my, err = gosql.Open("mysql", cfg.FormatDSN())
	if err == nil {
		c.myC, err = c.my.Conn(ctx)
	}
	if err != nil {
		if c.my != nil {
			c.my.Close()
		}
		return nil, fmt.Errorf("cannot connect to MySQL or MariaDB at %s: %v", c.server, err)
	}
	fail := func(err error) (*Conn, error) {
		c.Close()
		return nil, fmt.Errorf("MySQL or MariaDB at %s: %v", c.server, err)
	}
	// The session's transactions are read-only, and so is the one every read runs in.
	if _, err := c.myC.ExecContext(ctx, "SET SESSION TRANSACTION READ ONLY"); err != nil {
		return fail(err)
	}
	c.myTx, err = c.myC.BeginTx(ctx, &gosql.TxOptions{ReadOnly: true, Isolation: gosql.LevelRepeatableRead})
	if err != nil {
		return fail(err)
	}
	var version string
	if err := c.myTx.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return fail(err)
	}
	c.engine = ir.MySQL
	if strings.Contains(version, "MariaDB") {
		c.engine = ir.MariaDB
	}
	return c, nil
}

// myConfig reads what follows mysql:// or mariadb://: a go-sql-driver DSN when it holds
// a network in parentheses, else USER[:PASSWORD]@HOST[:PORT]/DBNAME.
func myConfig(rest string) (*mysql.Config, error) {
	if strings.Contains(rest, "tcp(") || strings.Contains(rest, "unix(") {
		cfg, err := mysql.ParseDSN(rest)
		if err != nil {
			return nil, fmt.Errorf("--db: %v", err)
		}
		return cfg, nil
	}
	u, err := url.Parse("mysql://" + rest)
	if err != nil {
		return nil, fmt.Errorf("--db: %v", redact(err, rest))
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	return cfg, nil
}

// redact keeps a password in the URL out of an error message.
func redact(err error, rawURL string) string {
	msg := err.Error()
	if u, perr := url.Parse(rawURL); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
	}
	return msg
}

// Close ends the read-only transaction (a rollback: nothing was written) and the
// connection.
func (c *Conn) Close() {
	ctx := context.Background()
	if c.pgTx != nil {
		c.pgTx.Rollback(ctx)
	}
	if c.pg != nil {
		c.pg.Close(ctx)
	}
	if c.myTx != nil {
		c.myTx.Rollback()
	}
	if c.myC != nil {
		c.myC.Close()
	}
	if c.my != nil {
		c.my.Close()
	}
}

// pgRows runs a query in the transaction and returns its rows as text columns.
func (c *Conn) pgRows(ctx context.Context, query string, args ...any) ([][]string, error) {
	rows, err := c.pgTx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) ([]string, error) {
		vals, err := row.Values()
		if err != nil {
			return nil, err
		}
		out := make([]string, len(vals))
		for i, v := range vals {
			if v != nil {
				out[i] = fmt.Sprint(v)
			}
		}
		return out, nil
	})
}

// myRows runs a query in the transaction and returns its rows as text columns.
func (c *Conn) myRows(ctx context.Context, query string, args ...any) ([][]string, error) {
	rows, err := c.myTx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rows.Next() {
		vals := make([]gosql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	return out, rows.Err()
}
