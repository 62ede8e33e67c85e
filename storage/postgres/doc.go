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
// # Durability
//
// A commit normally waits until its WAL record is on disk (an fdatasync, a
// millisecond or more), and a sign-in makes seven write transactions one
// after another. Four of them store rows whose loss in a crash only makes
// a sign-in fail and start again, and never lets anything be used twice;
// they commit without waiting for the flush (synchronous_commit off for
// their own transaction only, see commitAsync), and the WAL writer flushes
// them within three wal_writer_delay (0.6 s by default). Why each may:
//
//   - CreateAuthRequest: a lost request answers "unknown or expired" at
//     /login, and the person starts again from the app.
//   - CreateCeremony: a lost challenge fails the ceremony's finish, and the
//     person begins it again.
//   - SaveAuthCode: a code is no credential until RedeemCode exchanges it;
//     a lost one fails the app's token request (invalid_grant) and the
//     person signs in again. The request, done and without a code, can be
//     given one code again, still only one.
//   - DeleteAuthRequest: it runs once the request has been answered
//     (tokens issued, or its error sent). A request that survives a crash
//     stays answered — done or failed, so nothing completes it again; its
//     code, if it has one, is stored and used, so no second code is issued
//     and a replay is still recognised — and expires like any other.
//
// Every other method commits synchronously, above all those that consume
// a single-use thing or issue a credential, token or account:
// ConsumeCeremony, RecordSignIn, CompleteAuthRequest, FailAuthRequest,
// RedeemCode, RotateRefreshToken, FinishEnrollment, RedeemRecoveryCode,
// ConsumeEmailCode, CreateUser, AddPasskey, the revocations … After a
// crash a consumed row stays consumed and an issued token exists.
// RecordEvent stays synchronous too: it is on no sign-in's path, and an
// event is the audit trail of a change already committed durably.
//
// An asynchronous row is never lost under a synchronous one that relied on
// it. The WAL is one sequence, replayed in order, and a crash can only cut
// off its end: the database comes back as it was at one instant, no
// earlier than the last synchronous commit. A transaction that saw an
// asynchronous row (ConsumeCeremony deleting the ceremony, RecordSignIn
// completing the request, RedeemCode spending the code) writes its commit
// record after that row's, so its flush makes both durable, and a consumed
// ceremony or a redeemed code never reappears unconsumed. (The same holds
// for a synchronous standby: a synchronous commit waits for the standby to
// have everything before it.)
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
