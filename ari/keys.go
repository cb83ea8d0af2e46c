package ari

import "strings"

// Key prefixes of the routing keys [Keys] returns; build keys with [ChannelKey] and friends.
const (
	ChannelKeyPrefix   = "channel:"
	BridgeKeyPrefix    = "bridge:"
	PlaybackKeyPrefix  = "playback:"
	RecordingKeyPrefix = "recording:"
	EndpointKeyPrefix  = "endpoint:"
	DeviceKeyPrefix    = "deviceState:"
	TypeKeyPrefix      = "type:"
)

// TypeKey returns the routing key every event of a type carries: "type:<Type>", e.g.
// "type:StasisStart". Observers (metrics, the admin page's live view) subscribe by type.
func TypeKey(eventType string) string { return TypeKeyPrefix + eventType }

// ChannelKey returns the routing key of a channel: "channel:<id>".
func ChannelKey(id string) string { return ChannelKeyPrefix + id }

// BridgeKey returns the routing key of a bridge: "bridge:<id>".
func BridgeKey(id string) string { return BridgeKeyPrefix + id }

// PlaybackKey returns the routing key of a playback: "playback:<id>".
func PlaybackKey(id string) string { return PlaybackKeyPrefix + id }

// RecordingKey returns the routing key of a live recording: "recording:<name>".
func RecordingKey(name string) string { return RecordingKeyPrefix + name }

// Keys returns the routing keys of ev, without duplicates: "channel:<id>" for every
// channel the event names (channel, peer, caller, replace_channel, ..., and the target of a
// playback or recording on a channel), "bridge:<id>" for every bridge (and the target of a
// playback or recording on a bridge), "playback:<id>", "recording:<name>",
// "endpoint:<tech>/<resource>" and "deviceState:<name>"; and always "type:<Type>".
func Keys(ev Event) []string {
	var k keys
	switch e := ev.(type) {
	case *StasisStart:
		k.channel(&e.Channel)
		k.channel(e.ReplaceChannel)
	case *StasisEnd:
		k.channel(&e.Channel)
	case *ChannelCreated:
		k.channel(&e.Channel)
	case *ChannelDestroyed:
		k.channel(&e.Channel)
	case *ChannelStateChange:
		k.channel(&e.Channel)
	case *ChannelDtmfReceived:
		k.channel(&e.Channel)
	case *ChannelHangupRequest:
		k.channel(&e.Channel)
	case *ChannelDialplan:
		k.channel(&e.Channel)
	case *ChannelCallerID:
		k.channel(&e.Channel)
	case *ChannelConnectedLine:
		k.channel(&e.Channel)
	case *ChannelVarset:
		k.channel(e.Channel)
	case *ChannelHold:
		k.channel(&e.Channel)
	case *ChannelUnhold:
		k.channel(&e.Channel)
	case *ChannelTalkingStarted:
		k.channel(&e.Channel)
	case *ChannelTalkingFinished:
		k.channel(&e.Channel)
	case *ChannelToneDetected:
		k.channel(&e.Channel)
	case *ChannelUserevent:
		k.channel(e.Channel)
		k.bridge(e.Bridge)
		k.endpoint(e.Endpoint)
	case *ChannelEnteredBridge:
		k.channel(e.Channel)
		k.bridge(&e.Bridge)
	case *ChannelLeftBridge:
		k.channel(&e.Channel)
		k.bridge(&e.Bridge)
	case *Dial:
		k.channel(&e.Peer)
		k.channel(e.Caller)
		k.channel(e.Forwarded)
	case *PlaybackStarted:
		k.playback(&e.Playback)
	case *PlaybackContinuing:
		k.playback(&e.Playback)
	case *PlaybackFinished:
		k.playback(&e.Playback)
	case *RecordingStarted:
		k.recording(&e.Recording)
	case *RecordingFinished:
		k.recording(&e.Recording)
	case *RecordingFailed:
		k.recording(&e.Recording)
	case *BridgeCreated:
		k.bridge(&e.Bridge)
	case *BridgeDestroyed:
		k.bridge(&e.Bridge)
	case *BridgeMerged:
		k.bridge(&e.Bridge)
		k.bridge(&e.BridgeFrom)
	case *BridgeVideoSourceChanged:
		k.bridge(&e.Bridge)
	case *BridgeBlindTransfer:
		k.channel(&e.Channel)
		k.channel(e.ReplaceChannel)
		k.channel(e.Transferee)
		k.bridge(e.Bridge)
	case *BridgeAttendedTransfer:
		for _, c := range []*Channel{&e.TransfererFirstLeg, &e.TransfererSecondLeg, e.ReplaceChannel,
			e.Transferee, e.TransferTarget, e.DestinationLinkFirstLeg, e.DestinationLinkSecondLeg,
			e.DestinationThreewayChannel} {
			k.channel(c)
		}
		k.bridge(e.TransfererFirstLegBridge)
		k.bridge(e.TransfererSecondLegBridge)
		k.bridge(e.DestinationThreewayBridge)
		if e.DestinationBridge != "" {
			k.add(BridgeKeyPrefix, e.DestinationBridge)
		}
	case *ApplicationMoveFailed:
		k.channel(&e.Channel)
	case *DeviceStateChanged:
		k.add(DeviceKeyPrefix, e.DeviceState.Name)
	case *EndpointStateChange:
		k.endpoint(&e.Endpoint)
	case *ContactStatusChange:
		k.endpoint(&e.Endpoint)
	case *PeerStatusChange:
		k.endpoint(&e.Endpoint)
	case *TextMessageReceived:
		k.endpoint(e.Endpoint)
	}
	if t := ev.Base().Type; t != "" {
		k.add(TypeKeyPrefix, t)
	}
	return k
}

// keys accumulates routing keys without duplicates.
type keys []string

// add appends prefix+id unless id is empty or the key is already there.
func (k *keys) add(prefix, id string) {
	if id == "" {
		return
	}
	for _, s := range *k {
		if len(s) == len(prefix)+len(id) && strings.HasPrefix(s, prefix) && s[len(prefix):] == id {
			return
		}
	}
	*k = append(*k, prefix+id)
}

// target adds a playback's or recording's target_uri when it is a channel or a bridge.
func (k *keys) target(uri string) {
	for _, p := range []string{ChannelKeyPrefix, BridgeKeyPrefix} {
		if id, ok := strings.CutPrefix(uri, p); ok {
			k.add(p, id)
			return
		}
	}
}

// channel adds c's key when c is not nil.
func (k *keys) channel(c *Channel) {
	if c != nil {
		k.add(ChannelKeyPrefix, c.ID)
	}
}

// bridge adds b's key when b is not nil.
func (k *keys) bridge(b *Bridge) {
	if b != nil {
		k.add(BridgeKeyPrefix, b.ID)
	}
}

// endpoint adds e's key when e is not nil.
func (k *keys) endpoint(e *Endpoint) {
	if e != nil && e.Technology != "" {
		k.add(EndpointKeyPrefix, e.Technology+"/"+e.Resource)
	}
}

// playback adds the playback's key and its target's.
func (k *keys) playback(p *Playback) {
	k.add(PlaybackKeyPrefix, p.ID)
	k.target(p.TargetURI)
}

// recording adds the recording's key and its target's.
func (k *keys) recording(r *LiveRecording) {
	k.add(RecordingKeyPrefix, r.Name)
	k.target(r.TargetURI)
}
