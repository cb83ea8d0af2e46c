package aritest

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// serveEvents upgrades GET /ari/events and keeps the connection until it closes, is
// dropped, or the server closes.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	// Counted from before the handshake: the client may see it done, and act on it, before
	// the connection is in conns; Push waits for it.
	s.mu.Lock()
	s.accepting++
	s.mu.Unlock()
	c, err := websocket.Accept(w, r, nil)
	s.mu.Lock()
	s.accepting--
	if err != nil {
		s.notifyLocked()
		s.mu.Unlock()
		return
	}
	wc := &wsConn{c: c, app: r.URL.Query().Get("app"), done: make(chan struct{})}
	if s.closing.Err() != nil {
		s.notifyLocked()
		s.mu.Unlock()
		c.CloseNow()
		return
	}
	s.conns[wc] = struct{}{}
	ignore := s.ignorePings
	s.wg.Add(1)
	s.notifyLocked()
	s.mu.Unlock()
	defer s.wg.Done()

	// Reading is what answers pings: a connection accepted while pings are ignored is
	// never read, so it also does not notice its client leaving until it is dropped.
	var gone <-chan struct{}
	if !ignore {
		gone = c.CloseRead(context.Background()).Done()
	}
	select {
	case <-gone:
	case <-wc.done:
	}
	s.remove(wc)
	c.CloseNow()
}

// remove forgets wc.
func (s *Server) remove(wc *wsConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conns[wc]; ok {
		delete(s.conns, wc)
		close(wc.done)
		s.notifyLocked()
	}
}

// Connections returns how many events websockets are connected.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// WaitConnected waits until at least one events websocket is connected, or ctx is done.
func (s *Server) WaitConnected(ctx context.Context) error {
	for {
		s.mu.Lock()
		n, ch := len(s.conns), s.changed
		s.mu.Unlock()
		if n > 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-ch:
		}
	}
}

// DropConnections closes every events websocket abruptly (no close handshake), as a
// network failure or an Asterisk restart would, and returns how many there were.
func (s *Server) DropConnections() int {
	s.mu.Lock()
	conns := make([]*wsConn, 0, len(s.conns))
	for wc := range s.conns {
		conns = append(conns, wc)
	}
	s.mu.Unlock()
	for _, wc := range conns {
		wc.c.CloseNow()
		s.remove(wc)
	}
	return len(conns)
}

// AnswerPings sets whether events websockets accepted from now on answer pings (the
// default). With false the server never reads those connections, so a client's pings go
// unanswered and it should declare the connection dead; pushed events still flow.
func (s *Server) AnswerPings(answer bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ignorePings = !answer
}

// Push sends ev to every connected events websocket and returns how many it reached. ev
// is a []byte, json.RawMessage or string of JSON sent as is, or a value (an ari event
// struct, a map from [Event], ...) encoded as JSON.
func (s *Server) Push(ev any) int {
	var data []byte
	switch v := ev.(type) {
	case []byte:
		data = v
	case json.RawMessage:
		data = v
	case string:
		data = []byte(v)
	default:
		var err error
		if data, err = json.Marshal(v); err != nil {
			s.t.Errorf("aritest: Push: encode %T: %v", ev, err)
			return 0
		}
	}
	// A connection whose handshake the client has seen is pushed to, even when its
	// handler has not registered it yet: wait (5 s at most) for handshakes under way.
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
	s.mu.Lock()
	for waiting := true; waiting && s.accepting > 0; {
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-timeout.C:
			waiting = false
		case <-s.closing.Done():
			waiting = false
		}
		s.mu.Lock()
	}
	conns := make([]*wsConn, 0, len(s.conns))
	for wc := range s.conns {
		conns = append(conns, wc)
	}
	s.mu.Unlock()
	n := 0
	for _, wc := range conns {
		ctx, cancel := context.WithTimeout(s.closing, 5*time.Second)
		if wc.c.Write(ctx, websocket.MessageText, data) == nil {
			n++
		}
		cancel()
	}
	return n
}
