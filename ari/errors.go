package ari

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Error is a REST request that Asterisk answered with a status other than 2xx.
// Get it with errors.As, or use [IsNotFound] and [StatusOf].
type Error struct {
	Method  string // "POST"
	Path    string // escaped path below the base URL, e.g. "/channels/abc/answer"
	Status  int    // HTTP status, e.g. 404
	Message string // Asterisk's {"message": ...}, or the start of a non-JSON body
}

// Error implements error.
func (e *Error) Error() string {
	s := fmt.Sprintf("ari: %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// newError reads resp's body into an *Error.
func newError(method, path string, resp *http.Response) *Error {
	e := &Error{Method: method, Path: path, Status: resp.StatusCode}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var m struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	switch {
	case json.Unmarshal(b, &m) == nil && (m.Message != "" || m.Error != ""):
		e.Message = m.Message
		if e.Message == "" {
			e.Message = m.Error
		}
	case strings.Contains(resp.Header.Get("Content-Type"), "html"):
		// Asterisk's own HTTP server answers unknown URLs with an HTML page; say nothing.
	default:
		e.Message = strings.TrimSpace(string(b))
		if len(e.Message) > 200 {
			e.Message = e.Message[:200] + "..."
		}
	}
	return e
}

// StatusOf returns the HTTP status of the *Error in err's chain, or 0 when there is none
// (a network error, a timeout, ...).
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// IsNotFound reports whether err is an *Error with status 404: the channel, bridge,
// playback or recording does not exist (any more).
func IsNotFound(err error) bool { return StatusOf(err) == http.StatusNotFound }

// Unanswered reports whether a failed request got no answer from Asterisk (a time-out, a
// connection reset): unlike one refused with a status, it may have been carried out all
// the same. A resource it was to create under an id of ours (a bridge, a channel, a
// snoop) may exist, and whoever made the request should remove it.
func Unanswered(err error) bool { return err != nil && StatusOf(err) == 0 }
