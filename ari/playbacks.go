package ari

import (
	"context"
	"net/http"
)

// PlaybackService is the /playbacks resource: [Client.Playbacks].
type PlaybackService struct{ c *Client }

// Operations accepted by [PlaybackService.Control].
const (
	PlaybackRestart = "restart"
	PlaybackPause   = "pause"
	PlaybackUnpause = "unpause"
	PlaybackReverse = "reverse"
	PlaybackForward = "forward"
)

// Get returns the playback with the given id.
func (s *PlaybackService) Get(ctx context.Context, id string) (*Playback, error) {
	var pb Playback
	if err := s.c.do(ctx, call{method: http.MethodGet, route: route{"playbacks", id}, out: &pb}); err != nil {
		return nil, err
	}
	return &pb, nil
}

// Control applies op (one of the Playback* operation constants) to the playback.
func (s *PlaybackService) Control(ctx context.Context, id, op string) error {
	q := query{}.set("operation", op)
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"playbacks", id, "control"}, query: q.values()})
}

// Stop stops the playback (and the rest of its media list).
func (s *PlaybackService) Stop(ctx context.Context, id string) error {
	return s.c.do(ctx, call{method: http.MethodDelete, route: route{"playbacks", id}})
}
