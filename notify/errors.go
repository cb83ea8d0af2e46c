package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// APIError is an error answer from Mattermost: a non-2xx status with, usually, Mattermost's
// JSON error body {"id","message","detailed_error","request_id","status_code"}.
// Use errors.As to get it from any error returned by [Mattermost].
type APIError struct {
	Method        string        // "POST"
	Path          string        // "/api/v4/posts"; a webhook's secret key is replaced by "<redacted>"
	Status        int           // HTTP status
	ID            string        // Mattermost's error id, "api.context.session_expired.app_error"
	Message       string        // Mattermost's human message
	DetailedError string        // Mattermost's detailed_error, scrubbed of the token
	RequestID     string        // Mattermost's request_id (or X-Request-Id)
	RetryAfter    time.Duration // from a Retry-After header (429, 503), zero when absent
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mattermost: %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.ID != "" {
		b.WriteString(": " + e.ID)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

// Retryable reports whether the same request may succeed later: 429 and 5xx are, any other
// 4xx is not.
func (e *APIError) Retryable() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// Retryable reports whether err, returned by [Mattermost], is worth another attempt:
// network errors, timeouts of the attempt, 429 and 5xx answers. A 4xx other than 429, a
// cancelled context, a bad configuration, an unsupported operation, or a webhook post that
// timed out once sent (it may have been posted) is not.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var api *APIError
	if errors.As(err, &api) {
		return api.Retryable()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, errors.ErrUnsupported) {
		return false
	}
	var perm *permanentError
	if errors.As(err, &perm) {
		return false
	}
	// Network errors (connection refused, reset, EOF) and deadline exceeded.
	return true
}

// permanentError marks a failure that no retry can fix (bad request built by us,
// undecodable 2xx answer: the post may exist, so sending again could duplicate it).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// redactor removes secrets (the token, a webhook key) from text that may reach a log.
type redactor struct{ r *strings.Replacer }

func newRedactor(secrets ...string) redactor {
	var pairs []string
	for _, s := range secrets {
		if s != "" {
			pairs = append(pairs, s, "<redacted>")
		}
	}
	if len(pairs) == 0 {
		return redactor{}
	}
	return redactor{strings.NewReplacer(pairs...)}
}

func (r redactor) String(s string) string {
	if r.r == nil {
		return s
	}
	return r.r.Replace(s)
}

// transportError rewrites the URL inside a *url.Error so that a webhook's key (the secret
// part of its URL) never shows in error strings.
func (r redactor) transportError(err error, shownURL string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: shownURL, Err: ue.Err}
	}
	return errors.New(r.String(err.Error()))
}

// parseRetryAfter reads a Retry-After header given in seconds; dates are ignored.
func parseRetryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	secs, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || secs < 0 {
		return 0
	}
	return time.Duration(secs) * time.Second
}
