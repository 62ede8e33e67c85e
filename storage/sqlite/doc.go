// Package sqlite is Latchkey's embedded store: storage.Store on one SQLite
// file, through modernc.org/sqlite (pure Go, so the binary builds with
// CGO_ENABLED=0). It writes native SQLite SQL against its own schema in
// migrations/sqlite.
//
// # Connections
//
// A Store holds two database/sql pools on the same file:
//
//   - the writer: exactly one connection (MaxOpenConns 1). Every method that
//     changes anything runs as one transaction on it, begun with BEGIN
//     IMMEDIATE (_txlock=immediate), so the write lock is taken up front;
//   - the readers: several connections with PRAGMA query_only, for the
//     methods that only look.
//
// Why this never answers "database is locked": SQLite allows one writer at a
// time per file. Handing every write to a single connection makes the
// writers of this process queue inside database/sql (in Go, honouring ctx)
// instead of racing for SQLite's lock and giving up after busy_timeout.
// Because the one connection begins immediately, a transaction never starts
// as a reader and later fails to upgrade (SQLITE_BUSY_SNAPSHOT, which no
// busy handler can wait out) when another process — `latchkey migrate`, a
// CLI command — wrote in between; such a process is waited for up to the
// busy timeout. In WAL mode readers do not block the writer and the writer
// does not block readers: each read sees the last committed snapshot, so
// the reader pool never waits on a sign-in in progress.
//
// # Prepared statements
//
// database/sql with this driver would compile each query's text afresh on
// every call; parsing was about a sixth of a sign-in's CPU. Every method
// instead runs its SQL through a cache of *sql.Stmt per pool, keyed by the
// text (stmtCache), so a text is parsed once per connection and then only
// re-bound. Inside a transaction a cached statement runs through
// tx.StmtContext — on the transaction's connection, in the transaction —
// and a text met for the first time runs unprepared and is prepared once
// the transaction has released its connection: preparing takes a
// connection of the pool, and the writer's only one is the transaction's.
// Nothing else changes: the same connections, transactions, BEGIN
// IMMEDIATE, clock parameters and driver errors. Close closes the
// statements; migrations bypass the cache.
//
// Single-use things (ceremonies, enrollment links, codes, refresh tokens,
// authorization requests) are consumed by one conditional statement
// (DELETE … RETURNING, UPDATE … WHERE <unused> RETURNING) inside the write
// transaction; with the writes serialised, the first caller changes the row
// and every later one matches nothing and gets storage.ErrNotFound.
//
// # Durability
//
// The journal is WAL with synchronous=NORMAL. A commit appends to the -wal
// file with write(2) before it returns, so the data is in the operating
// system's page cache: a process killed with SIGKILL, at any instant, loses
// nothing it committed, and the next open replays the WAL (a transaction
// whose commit record was not written is discarded whole). Only a power
// loss or kernel crash can lose the last few commits — never corrupt the
// file — because the WAL is synced at checkpoints rather than per commit;
// that is the trade SQLite documents for WAL, and it keeps a sign-in off
// the disk's fsync latency. Foreign keys are on for every connection, and
// the DSN sets a busy timeout for the rare wait on another process.
//
// Open refuses, with one line naming the path, a directory, a file that is
// not an SQLite database, a file or directory it cannot write, and a
// database whose schema is newer than this binary. Times are stored as
// INTEGER microseconds since the Unix epoch, UTC; expiry is always compared
// against the store's injected clock, passed to SQL as a parameter.
package sqlite
