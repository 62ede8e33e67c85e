package storagetest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey-id/latchkey/storage"
)

// must stops the test on an unexpected error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantErr stops the test unless err is (or wraps) target.
func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

// equal compares what a store returned with what was stored. want is first
// brought to the form every backend returns (times in UTC, truncated to
// microseconds); lists are compared by their elements (nil = empty) on both
// sides. Everything else must match exactly, times' locations included.
func equal[T any](t *testing.T, got, want T) {
	t.Helper()
	got, want = normalize(got, false), normalize(want, true)
	if reflect.DeepEqual(got, want) {
		return
	}
	t.Fatalf("stored and returned values differ:\n%s", diff(reflect.ValueOf(got), reflect.ValueOf(want), "value"))
}

// utc is t in the form a store returns it.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

var (
	timeType = reflect.TypeFor[time.Time]()
	listType = reflect.TypeFor[[]string]()
)

// normalize returns a copy of v with empty lists nil and, if times is set,
// every time in UTC truncated to microseconds.
func normalize[T any](v T, times bool) T {
	p := reflect.New(reflect.TypeOf(&v).Elem())
	p.Elem().Set(reflect.ValueOf(&v).Elem())
	normalizeValue(p.Elem(), times)
	return p.Elem().Interface().(T)
}

func normalizeValue(v reflect.Value, times bool) {
	switch {
	case v.Type() == timeType:
		if times {
			v.Set(reflect.ValueOf(utc(v.Interface().(time.Time))))
		}
	case v.Type() == listType:
		if v.Len() == 0 {
			v.Set(reflect.Zero(listType))
		}
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			normalizeValue(v.Field(i), times)
		}
	case v.Kind() == reflect.Slice:
		if v.Len() > 0 {
			c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(c, v)
			v.Set(c)
			for i := range v.Len() {
				normalizeValue(v.Index(i), times)
			}
		}
	}
}

// diff lists the fields in which got and want differ.
func diff(got, want reflect.Value, path string) string {
	switch {
	case got.Kind() == reflect.Struct && got.Type() != timeType:
		var b strings.Builder
		for i := range got.NumField() {
			b.WriteString(diff(got.Field(i), want.Field(i), path+"."+got.Type().Field(i).Name))
		}
		return b.String()
	case got.Kind() == reflect.Slice && got.Type() != listType && got.Type().Elem().Kind() == reflect.Struct && got.Len() == want.Len():
		var b strings.Builder
		for i := range got.Len() {
			b.WriteString(diff(got.Index(i), want.Index(i), fmt.Sprintf("%s[%d]", path, i)))
		}
		return b.String()
	case reflect.DeepEqual(got.Interface(), want.Interface()):
		return ""
	}
	return fmt.Sprintf("  %s: got %s, want %s\n", path, show(got), show(want))
}

func show(v reflect.Value) string {
	if v.Type() == timeType {
		tm := v.Interface().(time.Time)
		return fmt.Sprintf("%s (location %q)", tm.Format(time.RFC3339Nano), tm.Location())
	}
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		return fmt.Sprintf("&%#v", v.Elem().Interface())
	}
	return fmt.Sprintf("%#v", v.Interface())
}

// concurrently calls fn from n goroutines released at the same instant and
// returns each caller's error. The goroutines first ping the store all at
// once and wait for each other: a pooled backend then has every connection
// it may open open and idle, so the callers truly overlap instead of
// queueing for the one connection a fresh pool starts with.
func (e *env) concurrently(n int, fn func(i int) error) []error {
	var (
		ready, done sync.WaitGroup
		start       = make(chan struct{})
		errs        = make([]error, n)
	)
	ready.Add(n)
	for i := range n {
		done.Go(func() {
			errs[i] = e.s.Ping(e.ctx)
			ready.Done()
			<-start
			if errs[i] == nil {
				errs[i] = fn(i)
			}
		})
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}

// race calls fn from n goroutines released at the same instant (see
// concurrently) and returns the index of the one caller that succeeded.
// Every other caller must get storage.ErrNotFound.
func (e *env) race(t *testing.T, n int, fn func(i int) error) int {
	t.Helper()
	winner, wins := -1, 0
	for i, err := range e.concurrently(n, fn) {
		switch {
		case err == nil:
			winner = i
			wins++
		case !errors.Is(err, storage.ErrNotFound):
			t.Errorf("caller %d: error = %v, want nil or ErrNotFound", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d concurrent callers succeeded, want exactly 1", wins, n)
	}
	return winner
}

// racers is how many goroutines the concurrency tests use.
const racers = 20

// rounds is how often a test repeats a race whose loser would not fail on
// its own (a lost lock lets two callers pass a check together): one round
// catches such a defect most of the time, five nearly always.
const rounds = 5

// errorsIs is errors.Is, for tests that report and carry on.
func errorsIs(err, target error) bool { return errors.Is(err, target) }
