// Package postgres is storage.Store on PostgreSQL, through pgx/v5 and its
// pool, in native SQL written for PostgreSQL alone (no ORM, no
// database/sql). Several Latchkey replicas can share one database: every
// piece of state lives in it, and every method is a single statement or a
// single transaction.
//
// # Atomic single use
//
// Codes, refresh tokens, ceremonies, enrollment links and authorization
// requests are consumed by one conditional statement — DELETE … RETURNING,
// or UPDATE … WHERE <still unused> RETURNING. Under READ COMMITTED a second
// caller blocks on the first one's row lock and then re-checks the WHERE
// clause against the committed row, which no longer matches; so of many
// concurrent callers exactly one wins and the others get
// storage.ErrNotFound. Where a consumption also writes other rows
// (RedeemCode, RotateRefreshToken, RecordSignIn) the writes hang off the
// consuming statement's RETURNING in data-modifying CTEs: one statement, one
// round trip, and nothing is written when nothing was consumed.
//
// # Check, then write
//
// Where a write depends on what a read found, the read locks what it
// relies on, so that a concurrent caller waits and then reads again under
// READ COMMITTED: DeletePasskey locks every passkey of the user before it
// counts them (two deletes of a user's last two passkeys cannot both pass
// the check), ConsumeEmailCode locks the code before it compares and counts
// (concurrent guesses take turns), ReplaceRecoveryCodes locks the user's
// row (concurrent replacements take turns, the later one's fresh snapshot
// deleting the earlier one's codes), and ResetPasskeys deletes the
// passkeys — waiting for any sign-in in flight — before it deletes the
// sessions in a second statement that sees what such a sign-in created.
//
// # Time
//
// Expiry is always compared with the injected clock (storage.Options.Now),
// passed as a query parameter, never with SQL now(), so tests can move time.
// A row is expired once the clock reaches its expires_at. Times are stored as
// timestamptz, which keeps microseconds, and come back in UTC. An optional
// time (LastUsedAt, UsedAt, RotatedAt, RetiredAt, …) is NULL while it is the
// zero time; a required one is stored as given, the zero time included.
//
// # Values
//
//   - An optional id ("" in Go: a ceremony's user, an access token's refresh
//     token, …) is NULL, so foreign keys and indexes ignore it.
//   - Lists of strings are text[] and never NULL: a nil list is stored as an
//     empty array, and an empty list always comes back as nil. Callers must
//     not tell nil and empty lists apart.
//   - Byte fields keep nil as NULL and come back nil.
//   - Methods returning several rows return a nil slice when there are none.
//
// # Errors
//
// A unique violation is storage.ErrAlreadyExists, a missing row or a
// foreign key naming a missing row is storage.ErrNotFound, a lost
// compare-and-swap is storage.ErrConflict; each is wrapped with the
// operation's name ("postgres: create user: …"). Other driver errors are
// wrapped the same way and never stand in for a sentinel.
//
// # Schema
//
// Migrate applies migrations.Postgres() under a session-level advisory lock,
// so replicas starting together take turns, and refuses a database newer than
// the binary.
package postgres
