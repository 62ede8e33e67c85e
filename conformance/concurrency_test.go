package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// race sends the same form to the token endpoint from two goroutines at
// the same instant and returns both answers.
func (c *client) race(form url.Values) [2]httpResult {
	c.e.t.Helper()
	var (
		out   [2]httpResult
		errs  [2]error
		ready sync.WaitGroup
		done  sync.WaitGroup
		start = make(chan struct{})
	)
	for i := range out {
		f := cloneValues(form)
		authorization := c.authenticate(f, asRegistered)
		body := f.Encode()
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			req, err := http.NewRequest(http.MethodPost, c.e.srv.URL+"/oauth/token", strings.NewReader(body))
			if err != nil {
				errs[i] = err
				ready.Done()
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if authorization != "" {
				req.Header.Set("Authorization", authorization)
			}
			ready.Done()
			<-start
			res, err := plain.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			out[i], errs[i] = httpResult{Status: res.StatusCode, Header: res.Header, Body: b}, err
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	for _, err := range errs {
		if err != nil {
			c.e.t.Fatal(err)
		}
	}
	return out
}

// wantOneWinner checks that exactly one of two simultaneous requests got
// 200 and the other 400 invalid_grant.
func wantOneWinner(t testing.TB, results [2]httpResult, what string) {
	t.Helper()
	ok, refused := 0, 0
	for _, r := range results {
		var body struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(r.Body, &body)
		switch {
		case r.Status == http.StatusOK:
			ok++
		case r.Status == http.StatusBadRequest && body.Error == "invalid_grant":
			refused++
		}
	}
	if ok != 1 || refused != 1 {
		t.Errorf("%s: answers %d %s / %d %s, want exactly one 200 and one 400 invalid_grant",
			what, results[0].Status, results[0].Body, results[1].Status, results[1].Body)
	}
}

// TestConcurrentCodeRedemption proves that a code is single use under
// concurrency: of two simultaneous redemptions exactly one wins (RFC 6749
// §4.1.2, §10.5; DESIGN.md: single-use things are consumed atomically).
// Several rounds give the race a chance to show.
func TestConcurrentCodeRedemption(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		for round := range 5 {
			a := c.authorization()
			code := e.code(e.ada, a)
			wantOneWinner(t, c.race(c.codeForm(code, a.Verifier)), fmt.Sprintf("round %d", round))
		}
	})
}

// TestConcurrentRefresh proves that a refresh token is spent once under
// concurrency: of two simultaneous refreshes exactly one wins (RFC 9700
// §4.14.2; RFC 6749 §6).
func TestConcurrentRefresh(t *testing.T) {
	each(t, func(t *testing.T, backend string) {
		e := start(t, backend)
		c := e.confidential()
		for round := range 5 {
			tok := c.signIn(e.ada)
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
			wantOneWinner(t, c.race(form), fmt.Sprintf("round %d", round))
		}
	})
}
