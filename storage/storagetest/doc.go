// Package storagetest is the behavioural conformance suite of storage.Store:
// every backend's tests call Run, and every behaviour the upper layers rely
// on is asserted here, through the interface alone.
//
// What Run expects of newStore:
//
//   - it returns a fresh, empty, migrated store for each subtest, built with
//     the Options it is given (the suite's fake clock);
//   - it is safe to call from parallel subtests (Run marks them parallel);
//   - it arranges for the store to be closed when the subtest ends, and that
//     Close tolerates a second call (one subtest closes the store itself).
//
// What the suite assumes of every backend, beyond the interface docs:
//
//   - times come back in UTC (a location of time.UTC), truncated to
//     microseconds; the zero time comes back as the zero time;
//   - a nil and an empty list of strings are the same value: a backend may
//     return either, and the suite compares lists by their elements only;
//     byte slices are compared exactly, and the suite never stores an empty
//     non-nil one;
//   - a row is expired once the clock passes its ExpiresAt (the suite never
//     looks at the instant of expiry itself);
//   - "unknown ids answer ErrNotFound" also covers DeleteUser, DeleteClient,
//     DeleteAuthRequest, RecordSignIn with an unknown passkey, and
//     RotateSigningKey with an unknown key (ErrConflict is for a key that
//     exists but is no longer active); RevokeFamily of a family without
//     tokens is not an error (a second replay revokes a revoked grant);
//   - AuthCode of an unused code whose request is gone (deleted or expired)
//     is ErrNotFound: such a code can never be redeemed;
//   - SessionClients of an unknown or ended session is an empty list, not
//     ErrNotFound (a logout need not know whether anything signed in), and
//     a code whose session ended before it was redeemed still redeems,
//     recording nothing;
//   - the clock a method reads decides the times it writes itself: UsedAt
//     (RedeemCode, RedeemRecoveryCode), RotatedAt (RotateRefreshToken),
//     RetiredAt (RotateSigningKey);
//   - a security event, enrollment link or recovery code handed to an
//     operation on one person's account (AddPasskey, RenamePasskey,
//     DeletePasskey, FlagPasskey, ResetPasskeys, ReplaceRecoveryCodes,
//     RedeemRecoveryCode, RecordSignIn) belongs to that person: one without
//     a user gets theirs, and one of another user is ErrConflict and writes
//     nothing;
//   - SecurityEvents breaks ties of CreatedAt by the greater id first, ids
//     compared as bytes, and returns none for a limit below 1;
//     RecoveryCodes lists oldest first, the smaller id first at one instant;
//   - ReplaceRecoveryCodes and ResetPasskeys of an unknown user are
//     ErrNotFound; concurrent ReplaceRecoveryCodes calls leave one caller's
//     codes whole, never a mix.
package storagetest
