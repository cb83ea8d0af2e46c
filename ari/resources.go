package ari

import (
	"context"
	"net/http"
)

// DeviceStateService is the /deviceStates resource: [Client.DeviceStates]. Only
// "Stasis:<name>" devices can be updated or deleted through ARI.
type DeviceStateService struct{ c *Client }

// List returns every device state.
func (s *DeviceStateService) List(ctx context.Context) ([]DeviceState, error) {
	var ds []DeviceState
	err := s.c.do(ctx, call{method: http.MethodGet, route: route{"deviceStates"}, out: &ds})
	return ds, err
}

// Get returns the state of the named device, e.g. "Stasis:queue-sales" or "PJSIP/1000".
func (s *DeviceStateService) Get(ctx context.Context, name string) (*DeviceState, error) {
	var d DeviceState
	if err := s.c.do(ctx, call{method: http.MethodGet, route: route{"deviceStates", name}, out: &d}); err != nil {
		return nil, err
	}
	return &d, nil
}

// Update sets the state (Device* constants) of a "Stasis:<name>" device.
func (s *DeviceStateService) Update(ctx context.Context, name, state string) error {
	q := query{}.set("deviceState", state)
	return s.c.do(ctx, call{method: http.MethodPut, route: route{"deviceStates", name}, query: q.values()})
}

// Delete removes a "Stasis:<name>" device.
func (s *DeviceStateService) Delete(ctx context.Context, name string) error {
	return s.c.do(ctx, call{method: http.MethodDelete, route: route{"deviceStates", name}})
}

// EndpointService is the /endpoints resource: [Client.Endpoints].
type EndpointService struct{ c *Client }

// List returns every endpoint.
func (s *EndpointService) List(ctx context.Context) ([]Endpoint, error) {
	var es []Endpoint
	err := s.c.do(ctx, call{method: http.MethodGet, route: route{"endpoints"}, out: &es})
	return es, err
}

// ListByTech returns the endpoints of one technology, e.g. "PJSIP".
func (s *EndpointService) ListByTech(ctx context.Context, tech string) ([]Endpoint, error) {
	var es []Endpoint
	err := s.c.do(ctx, call{method: http.MethodGet, route: route{"endpoints", tech}, out: &es})
	return es, err
}

// Get returns one endpoint, e.g. Get(ctx, "PJSIP", "1000").
func (s *EndpointService) Get(ctx context.Context, tech, resource string) (*Endpoint, error) {
	var e Endpoint
	if err := s.c.do(ctx, call{method: http.MethodGet, route: route{"endpoints", tech, resource}, out: &e}); err != nil {
		return nil, err
	}
	return &e, nil
}

// AsteriskService is the /asterisk resource: [Client.Asterisk].
type AsteriskService struct{ c *Client }

// Info returns Asterisk's build, system, config and status information.
func (s *AsteriskService) Info(ctx context.Context) (*AsteriskInfo, error) {
	var info AsteriskInfo
	if err := s.c.do(ctx, call{method: http.MethodGet, route: route{"asterisk", "info"}, out: &info}); err != nil {
		return nil, err
	}
	return &info, nil
}

// Ping checks that Asterisk answers.
func (s *AsteriskService) Ping(ctx context.Context) (*AsteriskPing, error) {
	var p AsteriskPing
	if err := s.c.do(ctx, call{method: http.MethodGet, route: route{"asterisk", "ping"}, out: &p}); err != nil {
		return nil, err
	}
	return &p, nil
}

// GetVar returns the value of a global variable or function.
func (s *AsteriskService) GetVar(ctx context.Context, name string) (string, error) {
	var v variable
	q := query{}.set("variable", name)
	err := s.c.do(ctx, call{method: http.MethodGet, route: route{"asterisk", "variable"}, query: q.values(), out: &v})
	return v.Value, err
}

// SetVar sets a global variable.
func (s *AsteriskService) SetVar(ctx context.Context, name, value string) error {
	q := query{}.set("variable", name).set("value", value)
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"asterisk", "variable"}, query: q.values()})
}

// ReloadModule reloads an Asterisk module, e.g. "res_pjsip.so".
func (s *AsteriskService) ReloadModule(ctx context.Context, name string) error {
	return s.c.do(ctx, call{method: http.MethodPut, route: route{"asterisk", "modules", name}})
}

// SoundService is the /sounds resource: [Client.Sounds].
type SoundService struct{ c *Client }

// SoundFilter narrows [SoundService.List]; empty fields do not filter.
type SoundFilter struct {
	Lang   string // e.g. "en"
	Format string // e.g. "wav"
}

// List returns the sounds Asterisk can play.
func (s *SoundService) List(ctx context.Context, f SoundFilter) ([]Sound, error) {
	q := query{}.set("lang", f.Lang).set("format", f.Format)
	var ss []Sound
	err := s.c.do(ctx, call{method: http.MethodGet, route: route{"sounds"}, query: q.values(), out: &ss})
	return ss, err
}

// Get returns one sound by id, e.g. "hello-world".
func (s *SoundService) Get(ctx context.Context, id string) (*Sound, error) {
	var snd Sound
	if err := s.c.do(ctx, call{method: http.MethodGet, route: route{"sounds", id}, out: &snd}); err != nil {
		return nil, err
	}
	return &snd, nil
}
