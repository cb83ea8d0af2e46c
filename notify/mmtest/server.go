package mmtest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"syscall"
)

// Server runs a [Handler] on a network: a loopback port ([NewServer]) or an in-memory one
// ([NewPipeServer]). Use its Client to reach it.
type Server struct {
	*Handler
	URL    string // "http://127.0.0.1:<port>" or "http://mattermost.test"
	client *http.Client
	refuse func()
	close  func()
	once   sync.Once
}

// NewServer starts the stand-in on a loopback port chosen by the system.
func NewServer(opts Options) *Server {
	h := NewHandler(opts)
	ts := httptest.NewServer(h)
	return &Server{Handler: h, URL: ts.URL, client: ts.Client(),
		refuse: func() { ts.Listener.Close(); ts.CloseClientConnections() },
		close:  func() { h.Close(); ts.Close() },
	}
}

// NewPipeServer starts the stand-in on an in-memory network (net.Pipe), reachable only
// through s.Client(). Its goroutines block on channels only, so it suits testing/synctest
// bubbles, where loopback sockets would keep the clock from advancing; create and Close it
// inside the bubble.
func NewPipeServer(opts Options) *Server {
	h := NewHandler(opts)
	l := &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(l) }()
	tr := &http.Transport{DialContext: l.dial}
	return &Server{Handler: h, URL: "http://mattermost.test", client: &http.Client{Transport: tr},
		refuse: func() { _ = srv.Close() },
		close:  func() { h.Close(); tr.CloseIdleConnections(); _ = srv.Close() },
	}
}

// Client returns an HTTP client that reaches the server.
func (s *Server) Client() *http.Client { return s.client }

// HookURL is the URL of the incoming webhook with this key.
func (s *Server) HookURL(key string) string { return s.URL + "/hooks/" + key }

// Refuse stops listening and drops open connections: from now on, connecting fails with
// "connection refused", like a server that is down. The records stay readable.
func (s *Server) Refuse() { s.refuse() }

// Close releases hung requests and stops the server.
func (s *Server) Close() { s.once.Do(s.close) }

// pipeListener hands out the server ends of net.Pipe connections made by dial.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "mattermost.test:80" }

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

func (l *pipeListener) dial(ctx context.Context, network, _ string) (net.Conn, error) {
	refused := &net.OpError{Op: "dial", Net: network, Addr: pipeAddr{}, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	select {
	case <-l.done:
		return nil, refused
	default:
	}
	srv, cli := net.Pipe()
	select {
	case l.conns <- srv:
		return cli, nil
	case <-l.done:
		srv.Close()
		cli.Close()
		return nil, refused
	case <-ctx.Done():
		srv.Close()
		cli.Close()
		return nil, ctx.Err()
	}
}
