package ari

import (
	"context"
	"net/http"
	"strings"
)

// BridgeService is the /bridges resource: [Client.Bridges].
type BridgeService struct{ c *Client }

// BridgeCreate is the input of [BridgeService.Create].
type BridgeCreate struct {
	ID   string // bridge id; Asterisk picks one when empty
	Type string // comma list of bridge features, e.g. "mixing", "mixing,dtmf_events", "holding"
	Name string // display name
}

// AddChannel is the input of [BridgeService.AddChannel].
type AddChannel struct {
	Channel                     []string // required: ids of the channels to add
	Role                        string   // channel role in the bridge, e.g. "participant", "announcer"
	AbsorbDTMF                  bool     // absorb DTMF coming from these channels
	Mute                        bool     // mute audio from these channels
	InhibitConnectedLineUpdates bool     // do not send connected line updates to these channels
}

// Create makes a bridge.
func (s *BridgeService) Create(ctx context.Context, req BridgeCreate) (*Bridge, error) {
	q := query{}.set("type", req.Type).set("bridgeId", req.ID).set("name", req.Name)
	var b Bridge
	if err := s.c.do(ctx, call{method: http.MethodPost, route: route{"bridges"}, query: q.values(), out: &b}); err != nil {
		return nil, err
	}
	return &b, nil
}

// Get returns the bridge with the given id.
func (s *BridgeService) Get(ctx context.Context, id string) (*Bridge, error) {
	var b Bridge
	if err := s.c.do(ctx, call{method: http.MethodGet, route: route{"bridges", id}, out: &b}); err != nil {
		return nil, err
	}
	return &b, nil
}

// List returns every bridge.
func (s *BridgeService) List(ctx context.Context) ([]Bridge, error) {
	var bs []Bridge
	err := s.c.do(ctx, call{method: http.MethodGet, route: route{"bridges"}, out: &bs})
	return bs, err
}

// Destroy shuts the bridge down; channels still in it stay up.
func (s *BridgeService) Destroy(ctx context.Context, id string) error {
	return s.c.do(ctx, call{method: http.MethodDelete, route: route{"bridges", id}})
}

// AddChannel adds channels to the bridge.
func (s *BridgeService) AddChannel(ctx context.Context, id string, req AddChannel) error {
	q := query{}.
		set("channel", strings.Join(req.Channel, ",")).
		set("role", req.Role).
		setBool("absorbDTMF", req.AbsorbDTMF).
		setBool("mute", req.Mute).
		setBool("inhibitConnectedLineUpdates", req.InhibitConnectedLineUpdates)
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"bridges", id, "addChannel"}, query: q.values()})
}

// RemoveChannel removes channels from the bridge.
func (s *BridgeService) RemoveChannel(ctx context.Context, id string, channel ...string) error {
	q := query{}.set("channel", strings.Join(channel, ","))
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"bridges", id, "removeChannel"}, query: q.values()})
}

// Play plays media in sequence to every channel of the bridge; see [ChannelService.Play].
func (s *BridgeService) Play(ctx context.Context, id, playbackID string, media ...string) (*Playback, error) {
	return s.PlayIn(ctx, id, playbackID, "", media...)
}

// PlayIn is Play with the prompts in language lang; see [ChannelService.PlayIn].
func (s *BridgeService) PlayIn(ctx context.Context, id, playbackID, lang string, media ...string) (*Playback, error) {
	q := query{}.set("media", strings.Join(media, ",")).set("playbackId", playbackID).set("lang", lang)
	var pb Playback
	err := s.c.do(ctx, call{method: http.MethodPost, route: route{"bridges", id, "play"}, query: q.values(), out: &pb})
	if err != nil {
		return nil, err
	}
	return &pb, nil
}

// Record starts recording the bridge's mixed audio. Should its answer be lost
// ([Unanswered]), it asks whether Asterisk records req.Name on the bridge all the same, and
// then reports the recording begun: the caller knows of every recording its bridge holds.
func (s *BridgeService) Record(ctx context.Context, id string, req RecordRequest) (*LiveRecording, error) {
	var rec LiveRecording
	err := s.c.do(ctx, call{method: http.MethodPost, route: route{"bridges", id, "record"},
		query: req.values().values(), out: &rec})
	if Unanswered(err) {
		if live, lerr := s.c.Recordings.LiveGet(ctx, req.Name); lerr == nil && live.TargetURI == "bridge:"+id {
			return live, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// StartMOH plays music on hold of class (the default class when "") to the bridge.
func (s *BridgeService) StartMOH(ctx context.Context, id, class string) error {
	q := query{}.set("mohClass", class)
	return s.c.do(ctx, call{method: http.MethodPost, route: route{"bridges", id, "moh"}, query: q.values()})
}

// StopMOH stops music on hold in the bridge.
func (s *BridgeService) StopMOH(ctx context.Context, id string) error {
	return s.c.do(ctx, call{method: http.MethodDelete, route: route{"bridges", id, "moh"}})
}
