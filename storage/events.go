package storage

import "fmt"

// EventsFor returns the events an operation on userID's account records,
// for backends to store with it. An event belongs to that person: one
// without a user gets userID, and one of another user is ErrConflict, so
// the backend writes nothing.
func EventsFor(userID string, es ...SecurityEvent) ([]SecurityEvent, error) {
	out := make([]SecurityEvent, len(es))
	for i, e := range es {
		if e.UserID == "" {
			e.UserID = userID
		}
		if e.UserID != userID {
			return nil, fmt.Errorf("event %q is for user %q, the operation for %q: %w", e.ID, e.UserID, userID, ErrConflict)
		}
		out[i] = e
	}
	return out, nil
}

// OptionalEvent is the list of at most one event that a method takes as a
// pointer.
func OptionalEvent(e *SecurityEvent) []SecurityEvent {
	if e == nil {
		return nil
	}
	return []SecurityEvent{*e}
}
