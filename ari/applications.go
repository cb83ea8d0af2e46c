package ari

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// ApplicationService is the /applications resource: [Client.Applications].
type ApplicationService struct{ c *Client }

// List returns every Stasis application.
func (s *ApplicationService) List(ctx context.Context) ([]Application, error) {
	var as []Application
	err := s.c.do(ctx, call{method: http.MethodGet, route: route{"applications"}, out: &as})
	return as, err
}

// Get returns the named application.
func (s *ApplicationService) Get(ctx context.Context, name string) (*Application, error) {
	var a Application
	if err := s.c.do(ctx, call{method: http.MethodGet, route: route{"applications", name}, out: &a}); err != nil {
		return nil, err
	}
	return &a, nil
}

// Subscribe subscribes the application to event sources: "channel:<id>", "bridge:<id>",
// "endpoint:<tech>/<resource>" (or "endpoint:<tech>"), "deviceState:<name>".
func (s *ApplicationService) Subscribe(ctx context.Context, name string, sources ...string) (*Application, error) {
	return s.subscription(ctx, http.MethodPost, name, sources)
}

// Unsubscribe removes event sources from the application's subscriptions.
func (s *ApplicationService) Unsubscribe(ctx context.Context, name string, sources ...string) (*Application, error) {
	return s.subscription(ctx, http.MethodDelete, name, sources)
}

// subscription is Subscribe and Unsubscribe.
func (s *ApplicationService) subscription(ctx context.Context, method, name string, sources []string) (*Application, error) {
	q := url.Values{"eventSource": {strings.Join(sources, ",")}}
	var a Application
	err := s.c.do(ctx, call{method: method, route: route{"applications", name, "subscription"}, query: q, out: &a})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// EventFilters is the input of [ApplicationService.SetEventFilter]: event types the
// application receives (all when Allowed is empty) minus those in Disallowed.
type EventFilters struct {
	Allowed    []EventFilter `json:"allowed,omitempty"`
	Disallowed []EventFilter `json:"disallowed,omitempty"`
}

// SetEventFilter replaces the application's event filter; a zero f removes it.
func (s *ApplicationService) SetEventFilter(ctx context.Context, name string, f EventFilters) (*Application, error) {
	var a Application
	err := s.c.do(ctx, call{method: http.MethodPut, route: route{"applications", name, "eventFilter"}, body: f, out: &a})
	if err != nil {
		return nil, err
	}
	return &a, nil
}
