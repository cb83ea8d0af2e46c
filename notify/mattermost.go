package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultTimeout bounds one request when the caller's context has no earlier deadline.
const DefaultTimeout = 10 * time.Second

// maxAnswer caps how much of an answer is read.
const maxAnswer = 1 << 20

// MattermostConfig says where and how to post. Either URL and Token (REST API v4, a bot or
// personal access token) or WebhookURL (an incoming webhook) must be set; with both, posts
// go through the webhook and files through the API.
type MattermostConfig struct {
	URL        string        // server root, "https://chat.example.com"; posts go to URL+"/api/v4/posts"
	Token      string        // sent as "Authorization: Bearer <token>", never logged
	ChannelID  string        // 26-character channel id used when a Post names none
	WebhookURL string        // "https://chat.example.com/hooks/<key>"; the key is a secret too
	HTTPClient *http.Client  // optional; http.DefaultClient's transport when nil
	Timeout    time.Duration // per request when ctx has no earlier deadline; DefaultTimeout when 0

	// For webhook posts only: override the hook's channel ("town-square", "@user") and the
	// name shown, when the server allows it.
	WebhookChannel  string
	WebhookUsername string
}

// Post is what to publish. An empty ChannelID means the configured one.
type Post struct {
	ChannelID string         `json:"channel_id"`
	Message   string         `json:"message"`
	Props     map[string]any `json:"props,omitempty"`
	FileIDs   []string       `json:"file_ids,omitempty"`
	// PendingPostID, when set, makes sending the same post again harmless through the REST
	// API: within 30 s, Mattermost answers a post with a pending_post_id it has seen with
	// the post it made then, not a new one. Give one random id per message and send it
	// with every attempt. A webhook has no such field (see [Mattermost.CreatePost]).
	PendingPostID string `json:"pending_post_id,omitempty"`
}

// PostResult is Mattermost's answer to a created post. A webhook answers only "ok": then
// only ChannelID (as configured, possibly empty) and Message are set, and Webhook is true.
type PostResult struct {
	ID        string         `json:"id"`
	CreateAt  int64          `json:"create_at"`
	UpdateAt  int64          `json:"update_at"`
	UserID    string         `json:"user_id"`
	ChannelID string         `json:"channel_id"`
	Message   string         `json:"message"`
	Props     map[string]any `json:"props"`
	FileIDs   []string       `json:"file_ids"`
	Webhook   bool           `json:"-"`
}

// Mattermost is a small typed client for the parts of Mattermost's REST API v4 and incoming
// webhooks that notices need. It never runs a program: everything is one HTTP request.
// It is safe for concurrent use.
type Mattermost struct {
	cfg      MattermostConfig
	base     string // URL without trailing slash, "" when the API is not configured
	hookURL  string
	hookShow string // the webhook URL with its key redacted, for error messages
	hookPath string // its path, redacted: "/hooks/<redacted>"
	hc       *http.Client
	red      redactor
}

// NewMattermost checks cfg and returns a client. Every problem is reported at once.
func NewMattermost(cfg MattermostConfig) (*Mattermost, error) {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("notify: mattermost: "+format, a...)) }
	// Redirects are not followed: a POST turned into a GET loses its body, and the token
	// must not travel to another address. A 3xx becomes an *APIError naming the Location.
	hc := http.Client{}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	m := &Mattermost{cfg: cfg, hc: &hc}
	if m.cfg.Timeout == 0 {
		m.cfg.Timeout = DefaultTimeout
	} else if m.cfg.Timeout < 0 {
		bad("timeout must be > 0, got %s", cfg.Timeout)
	}
	if strings.ContainsAny(cfg.Token, " \t\r\n") {
		bad("token must not contain spaces or line breaks")
	}
	if cfg.URL == "" && cfg.WebhookURL == "" {
		bad("url (with a token) or webhook_url is required")
	}
	if cfg.URL != "" {
		u, err := checkURL(cfg.URL)
		switch {
		case err != nil:
			bad("url: %v", err)
		case strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/api/v4"):
			bad("url: give the server root, without /api/v4")
		default:
			m.base = strings.TrimRight(u.String(), "/")
		}
		if cfg.Token == "" {
			bad("token is required with url")
		}
	}
	if cfg.ChannelID != "" && !ValidID(cfg.ChannelID) {
		bad("channel_id %q is not a Mattermost id (26 lowercase letters and digits)", cfg.ChannelID)
	}
	if cfg.URL != "" && cfg.ChannelID == "" {
		bad("channel_id is required with url")
	}
	if cfg.WebhookURL != "" {
		u, err := checkURL(cfg.WebhookURL)
		if err != nil {
			bad("webhook_url: %v", err)
		} else if hookKey(u) == "" {
			bad("webhook_url: no key at the end of the path")
		} else {
			m.hookURL = u.String()
			m.hookPath = redactHookPath(u)
			m.hookShow = u.Scheme + "://" + u.Host + m.hookPath
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	secrets := []string{cfg.Token}
	if m.hookURL != "" {
		u, _ := url.Parse(m.hookURL)
		secrets = append(secrets, hookKey(u))
	}
	m.red = newRedactor(secrets...)
	return m, nil
}

// ValidID reports whether s has the shape of a Mattermost id: 26 characters, lowercase
// letters and digits.
func ValidID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("scheme must be http or https, got %q", u.Scheme)
	case u.Host == "":
		return nil, errors.New("no host")
	case u.User != nil:
		return nil, errors.New("credentials in the URL are refused; use the token")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, errors.New("no query or fragment allowed")
	}
	return u, nil
}

// hookKey is the last path element of a webhook URL: the secret.
func hookKey(u *url.URL) string {
	p := strings.TrimRight(u.Path, "/")
	return p[strings.LastIndex(p, "/")+1:]
}

func redactHookPath(u *url.URL) string {
	p := strings.TrimRight(u.Path, "/")
	return p[:strings.LastIndex(p, "/")+1] + "<redacted>"
}

// CreatePost publishes p: POST /api/v4/posts with the bearer token, or the incoming webhook
// when one is configured (then p.ChannelID is ignored: the hook has its channel). A post with
// files goes through the API when it is configured; a webhook cannot take files. An empty
// p.ChannelID means the configured channel.
//
// Through a webhook, no answer before the timeout once the request was sent is final, not
// [Retryable]: the hook may have posted the message, and a webhook post has no
// pending_post_id by which Mattermost could tell a second one from a new message. (A
// connection closed without an answer is still retried: that is mostly a kept-alive
// connection the server had just closed, before reading the request.)
func (m *Mattermost) CreatePost(ctx context.Context, p Post) (*PostResult, error) {
	if m.hookURL != "" && (len(p.FileIDs) == 0 || m.base == "") {
		return m.webhookPost(ctx, p)
	}
	if p.ChannelID == "" {
		p.ChannelID = m.cfg.ChannelID
	}
	if !ValidID(p.ChannelID) {
		return nil, &permanentError{fmt.Errorf("notify: mattermost: channel id %q is not a Mattermost id", p.ChannelID)}
	}
	body, err := json.Marshal(p)
	if err != nil {
		return nil, &permanentError{fmt.Errorf("notify: mattermost: encode post: %w", err)}
	}
	var res PostResult
	if err := m.do(ctx, "/api/v4/posts", "application/json", bytes.NewReader(body), &res); err != nil {
		return nil, err
	}
	return &res, nil
}

type webhookPayload struct {
	Text     string         `json:"text"`
	Channel  string         `json:"channel,omitempty"`
	Username string         `json:"username,omitempty"`
	Props    map[string]any `json:"props,omitempty"`
}

func (m *Mattermost) webhookPost(ctx context.Context, p Post) (*PostResult, error) {
	if len(p.FileIDs) > 0 {
		return nil, fmt.Errorf("notify: mattermost: files on a webhook post: %w", errors.ErrUnsupported)
	}
	body, err := json.Marshal(webhookPayload{Text: p.Message, Channel: m.cfg.WebhookChannel, Username: m.cfg.WebhookUsername, Props: p.Props})
	if err != nil {
		return nil, &permanentError{fmt.Errorf("notify: mattermost: encode webhook payload: %w", err)}
	}
	if err := m.do(ctx, "", "application/json", bytes.NewReader(body), nil); err != nil {
		return nil, err
	}
	return &PostResult{ChannelID: p.ChannelID, Message: p.Message, Props: p.Props, Webhook: true}, nil
}

// do sends one POST to the API path, or to the webhook when path is "", and decodes a 2xx
// answer into out (Mattermost answers 201 for API creations, 200 "ok" for hooks).
func (m *Mattermost) do(ctx context.Context, path, contentType string, body io.Reader, out any) error {
	target, shown, shownPath := m.base+path, m.base+path, path
	if path == "" {
		target, shown, shownPath = m.hookURL, m.hookShow, m.hookPath
	}
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > m.cfg.Timeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, m.cfg.Timeout)
		defer cancel()
	}
	var sent atomic.Bool // the request was written out
	if path == "" {
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			WroteRequest: func(i httptrace.WroteRequestInfo) { sent.Store(i.Err == nil) }})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, body)
	if err != nil {
		return &permanentError{fmt.Errorf("notify: mattermost: request %s: %w", shown, m.red.transportError(err, shown))}
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "ariflow-notify")
	if path != "" {
		req.Header.Set("Authorization", "Bearer "+m.cfg.Token)
	}
	resp, err := m.hc.Do(req)
	if err != nil {
		err = fmt.Errorf("notify: mattermost: %w", m.red.transportError(err, shown))
		if sent.Load() && errors.Is(err, context.DeadlineExceeded) { // the post may exist: see CreatePost
			return &permanentError{fmt.Errorf("%w (not retried: the webhook may have posted it)", err)}
		}
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return m.apiError(resp, shownPath, data)
	}
	if err != nil {
		return &permanentError{fmt.Errorf("notify: mattermost: read answer of %s: %w", shownPath, m.red.transportError(err, shown))}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &permanentError{fmt.Errorf("notify: mattermost: decode answer of %s: %w", shownPath, err)}
	}
	return nil
}

// apiError builds an *APIError from a non-2xx answer, scrubbing secrets from it.
func (m *Mattermost) apiError(resp *http.Response, path string, data []byte) *APIError {
	e := &APIError{Method: http.MethodPost, Path: path, Status: resp.StatusCode,
		RequestID: resp.Header.Get("X-Request-Id"), RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"))}
	var body struct {
		ID            string `json:"id"`
		Message       string `json:"message"`
		DetailedError string `json:"detailed_error"`
		RequestID     string `json:"request_id"`
	}
	if json.Unmarshal(data, &body) == nil && (body.ID != "" || body.Message != "") {
		e.ID, e.Message, e.DetailedError = body.ID, body.Message, body.DetailedError
		if body.RequestID != "" {
			e.RequestID = body.RequestID
		}
	} else if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && loc != "" {
		e.Message = "redirected to " + loc + " (not followed: configure that address)"
	} else {
		s := strings.ToValidUTF8(strings.TrimSpace(string(data)), "?")
		if r := []rune(s); len(r) > 200 {
			s = string(r[:200]) + "…"
		}
		e.Message = s
	}
	e.ID, e.Message, e.DetailedError = m.red.String(e.ID), m.red.String(e.Message), m.red.String(e.DetailedError)
	return e
}
