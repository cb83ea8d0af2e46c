package ari

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Defaults applied by [New] to zero [Options] fields.
const (
	DefaultRequestTimeout = 10 * time.Second
	DefaultPingInterval   = 5 * time.Second
)

// Options configures a [Client].
type Options struct {
	BaseURL        string        // REST base, e.g. "http://127.0.0.1:18088/ari"
	Username       string        // ari.conf user
	Password       string        // ari.conf password
	Application    string        // Stasis application name, e.g. "ariflow"
	RequestTimeout time.Duration // default 10s; used when ctx has no earlier deadline
	PingInterval   time.Duration // default 5s; a ping unanswered within it means a dead connection
	HTTPClient     *http.Client  // optional; when nil, a client of at most MaxConns connections
	MaxConns       int           // HTTP connections to Asterisk at most, the events websocket included; default DefaultMaxConns
	Logger         zerolog.Logger
	OnState        func(ConnState) // optional: called on every events connection state change
}

// ConnState describes the events websocket after a change: Up after a connection is
// established; down (Up false) with the reason in Err after a connection is lost or a
// connection attempt fails. Attempt counts the connection attempts since the last connection
// that stayed up (1 for the first).
type ConnState struct {
	Up      bool
	Err     error
	Attempt int
}

// Client talks to one Asterisk over ARI. It is safe for concurrent use.
type Client struct {
	opts    Options
	base    *url.URL
	http    *http.Client
	log     zerolog.Logger
	running atomic.Bool
	epoch   atomic.Uint64 // successful events connections so far

	Channels     *ChannelService     // /channels
	Bridges      *BridgeService      // /bridges
	Playbacks    *PlaybackService    // /playbacks
	Recordings   *RecordingService   // /recordings
	DeviceStates *DeviceStateService // /deviceStates
	Endpoints    *EndpointService    // /endpoints
	Asterisk     *AsteriskService    // /asterisk
	Sounds       *SoundService       // /sounds
	Applications *ApplicationService // /applications
}

// New checks opts, applies defaults and returns a Client. It does not connect.
func New(opts Options) (*Client, error) {
	var errs []error
	u, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	switch {
	case opts.BaseURL == "":
		errs = append(errs, errors.New("BaseURL is empty"))
	case err != nil:
		errs = append(errs, fmt.Errorf("BaseURL: %w", err))
	case u.Scheme != "http" && u.Scheme != "https":
		errs = append(errs, fmt.Errorf("BaseURL %q: scheme must be http or https", opts.BaseURL))
	case u.Host == "":
		errs = append(errs, fmt.Errorf("BaseURL %q: no host", opts.BaseURL))
	case u.RawQuery != "" || u.Fragment != "":
		errs = append(errs, fmt.Errorf("BaseURL %q: must not have a query or fragment", opts.BaseURL))
	}
	if opts.Application == "" {
		errs = append(errs, errors.New("Application is empty"))
	}
	if opts.RequestTimeout < 0 {
		errs = append(errs, fmt.Errorf("RequestTimeout %v: must not be negative", opts.RequestTimeout))
	}
	if opts.PingInterval < 0 {
		errs = append(errs, fmt.Errorf("PingInterval %v: must not be negative", opts.PingInterval))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("ari: options: %w", errors.Join(errs...))
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	if opts.PingInterval == 0 {
		opts.PingInterval = DefaultPingInterval
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: newTransport(opts.MaxConns)}
	}
	c := &Client{opts: opts, base: u, http: hc, log: opts.Logger}
	c.Channels = &ChannelService{c}
	c.Bridges = &BridgeService{c}
	c.Playbacks = &PlaybackService{c}
	c.Recordings = &RecordingService{c}
	c.DeviceStates = &DeviceStateService{c}
	c.Endpoints = &EndpointService{c}
	c.Asterisk = &AsteriskService{c}
	c.Sounds = &SoundService{c}
	c.Applications = &ApplicationService{c}
	return c, nil
}

// DefaultMaxConns bounds the HTTP connections a Client opens to Asterisk (the events
// websocket included) unless Options.MaxConns says otherwise: below Asterisk's own limit
// (http.conf sessionlimit, 100 by default), beyond which Asterisk drops new connections and
// requests fail with EOF, which make bench saw at 80 calls/s. Past the bound, requests wait
// for a free connection, within their deadline. A request holds its connection until
// Asterisk answers it, and some wait for the channel (an answer waits for the SIP side):
// at about 140 calls/s through a menu, 64 were all busy with the machine a third idle
// (bench/README.md), so a busier system raises both limits together.
const DefaultMaxConns = 64

// newTransport is http.DefaultTransport keeping up to limit (DefaultMaxConns when 0)
// connections open for reuse (the default keeps 2, so every burst of requests opened and
// closed new ones), and opening no more.
func newTransport(limit int) *http.Transport {
	if limit <= 0 {
		limit = DefaultMaxConns
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxConnsPerHost = limit
	t.MaxIdleConnsPerHost = limit
	return t
}

// Epoch counts the events connections made so far: a change means events may have been
// lost in between (Asterisk restarted, or the application was taken over for a while).
func (c *Client) Epoch() uint64 { return c.epoch.Load() }

// Application returns the Stasis application name the client was configured with.
func (c *Client) Application() string { return c.opts.Application }

// route is a request path relative to the base URL, built from literal parts and escaped
// ids: route{"channels", id, "play"}.
type route []string

// path returns the escaped and the unescaped form of r. Every part is escaped with
// url.PathEscape, so a "/" inside an id stays inside its segment.
func (r route) path() (escaped, plain string, err error) {
	var e, p strings.Builder
	for _, part := range r {
		if part == "" {
			return "", "", errors.New("empty id or name in path")
		}
		e.WriteByte('/')
		e.WriteString(url.PathEscape(part))
		p.WriteByte('/')
		p.WriteString(part)
	}
	return e.String(), p.String(), nil
}

// call is one REST request.
type call struct {
	method string
	route  route
	query  url.Values
	body   any // JSON-encoded when not nil
	out    any // JSON-decoded from a 2xx response when not nil
}

// do performs c and decodes the response into c.out.
func (c *Client) do(ctx context.Context, rq call) error {
	resp, path, cancel, err := c.send(ctx, rq)
	if err != nil {
		return err
	}
	defer cancel()
	defer resp.Body.Close()
	if rq.out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(rq.out); err != nil {
		return fmt.Errorf("ari: %s %s: decode response: %w", rq.method, path, err)
	}
	return nil
}

// send performs rq and returns a 2xx response, whose body the caller must close before
// calling cancel. Any other status becomes an *Error.
func (c *Client) send(ctx context.Context, rq call) (*http.Response, string, context.CancelFunc, error) {
	escaped, plain, err := rq.route.path()
	if err != nil {
		return nil, escaped, nil, fmt.Errorf("ari: %s %s: %w", rq.method, strings.Join(rq.route, "/"), err)
	}
	u := *c.base
	u.Path = c.base.Path + plain
	u.RawPath = c.base.EscapedPath() + escaped
	if len(rq.query) > 0 {
		u.RawQuery = rq.query.Encode()
	}
	var body io.Reader
	if rq.body != nil {
		b, err := json.Marshal(rq.body)
		if err != nil {
			return nil, escaped, nil, fmt.Errorf("ari: %s %s: encode body: %w", rq.method, escaped, err)
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	req, err := http.NewRequestWithContext(ctx, rq.method, u.String(), body)
	if err != nil {
		cancel()
		return nil, escaped, nil, fmt.Errorf("ari: %s %s: %w", rq.method, escaped, err)
	}
	req.SetBasicAuth(c.opts.Username, c.opts.Password)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		cancel()
		return nil, escaped, nil, fmt.Errorf("ari: %s %s: %w", rq.method, escaped, unwrapURLError(err))
	}
	if resp.StatusCode/100 != 2 {
		defer cancel()
		defer resp.Body.Close()
		return nil, escaped, nil, newError(rq.method, escaped, resp)
	}
	return resp, escaped, cancel, nil
}

// unwrapURLError drops the *url.Error wrapper, whose text repeats the whole URL; the
// error chain (context.DeadlineExceeded, ...) is kept.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// seconds renders d as whole seconds, rounded up so a positive duration never becomes 0;
// a negative d becomes -1, ARI's "no limit".
func seconds(d time.Duration) string {
	if d < 0 {
		return "-1"
	}
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// millis renders d as whole milliseconds.
func millis(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10)
}

// query is a small builder for url.Values that skips empty optional values.
type query url.Values

// set adds k=v when v is not empty.
func (q query) set(k, v string) query {
	if v != "" {
		url.Values(q).Set(k, v)
	}
	return q
}

// setBool adds k=true when b is true.
func (q query) setBool(k string, b bool) query {
	if b {
		url.Values(q).Set(k, "true")
	}
	return q
}

// setSeconds adds k=<seconds> when d is not zero.
func (q query) setSeconds(k string, d time.Duration) query {
	if d != 0 {
		url.Values(q).Set(k, seconds(d))
	}
	return q
}

// values returns q as url.Values.
func (q query) values() url.Values { return url.Values(q) }

// variablesBody is the JSON body Asterisk takes channel or bridge variables in.
type variablesBody struct {
	Variables map[string]string `json:"variables"`
}

// varsBody returns the body for vars, or nil when there are none.
func varsBody(vars map[string]string) any {
	if len(vars) == 0 {
		return nil
	}
	return variablesBody{vars}
}
