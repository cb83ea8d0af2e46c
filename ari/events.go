package ari

import "encoding/json"

// Event is one decoded ARI event: a pointer to one of the event structs of this package
// (*StasisStart, *ChannelDtmfReceived, ..., *UnknownEvent). Switch on its type.
type Event interface {
	// Base returns the fields every event has.
	Base() *EventBase
}

// EventBase holds the fields common to every event; every event struct embeds it.
type EventBase struct {
	Type        string `json:"type"`                  // "StasisStart", ...
	Application string `json:"application"`           // Stasis application receiving the event
	Timestamp   Time   `json:"timestamp"`             // when Asterisk created the event
	AsteriskID  string `json:"asterisk_id,omitempty"` // Asterisk instance, a MAC-like id
}

// Base implements [Event].
func (e *EventBase) Base() *EventBase { return e }

// UnknownEvent is an event of a type this package does not decode (Type says which);
// Raw is its whole JSON.
type UnknownEvent struct {
	EventBase
	Raw json.RawMessage
}

// StasisStart: a channel entered the Stasis application, with the application's
// arguments (for ariflow, the dialed number first).
type StasisStart struct {
	EventBase
	Args           []string `json:"args"`
	Channel        Channel  `json:"channel"`
	ReplaceChannel *Channel `json:"replace_channel,omitempty"` // set when the channel replaces another (transfer)
}

// StasisEnd: a channel left the Stasis application.
type StasisEnd struct {
	EventBase
	Channel Channel `json:"channel"`
}

// ChannelCreated: a channel was created.
type ChannelCreated struct {
	EventBase
	Channel Channel `json:"channel"`
}

// ChannelDestroyed: a channel is gone, with the hangup cause (Q.850 number and text).
type ChannelDestroyed struct {
	EventBase
	Cause     int     `json:"cause"`
	CauseTxt  string  `json:"cause_txt"`
	TechCause int     `json:"tech_cause,omitempty"`
	Channel   Channel `json:"channel"`
}

// ChannelStateChange: a channel's state changed (Channel.State: "Ringing", "Up", ...).
type ChannelStateChange struct {
	EventBase
	Channel Channel `json:"channel"`
}

// ChannelDtmfReceived: a DTMF digit ended on a channel.
type ChannelDtmfReceived struct {
	EventBase
	Digit      string  `json:"digit"`       // 0-9, A-E, # or *
	DurationMs int     `json:"duration_ms"` // how long the digit was received
	Channel    Channel `json:"channel"`
}

// ChannelHangupRequest: a hangup was requested on a channel (the caller hung up, ...).
type ChannelHangupRequest struct {
	EventBase
	Cause     int     `json:"cause,omitempty"`
	TechCause int     `json:"tech_cause,omitempty"`
	Soft      bool    `json:"soft,omitempty"`
	Channel   Channel `json:"channel"`
}

// ChannelDialplan: a channel's dialplan location changed.
type ChannelDialplan struct {
	EventBase
	Channel         Channel `json:"channel"`
	DialplanApp     string  `json:"dialplan_app"`
	DialplanAppData string  `json:"dialplan_app_data"`
}

// ChannelCallerID (ARI type "ChannelCallerId"): a channel's caller id changed.
type ChannelCallerID struct {
	EventBase
	CallerPresentation    int     `json:"caller_presentation"`
	CallerPresentationTxt string  `json:"caller_presentation_txt"`
	Channel               Channel `json:"channel"`
}

// ChannelConnectedLine: a channel's connected line changed.
type ChannelConnectedLine struct {
	EventBase
	Channel Channel `json:"channel"`
}

// ChannelVarset: a channel variable (or, with no Channel, a global one) was set.
type ChannelVarset struct {
	EventBase
	Variable string   `json:"variable"`
	Value    string   `json:"value"`
	Channel  *Channel `json:"channel,omitempty"`
}

// ChannelHold: a channel put its peer on hold.
type ChannelHold struct {
	EventBase
	Channel    Channel `json:"channel"`
	MusicClass string  `json:"musicclass,omitempty"`
}

// ChannelUnhold: a channel took its peer off hold.
type ChannelUnhold struct {
	EventBase
	Channel Channel `json:"channel"`
}

// ChannelTalkingStarted: talking was detected on a channel (needs TALK_DETECT(set)).
type ChannelTalkingStarted struct {
	EventBase
	Channel Channel `json:"channel"`
}

// ChannelTalkingFinished: talking stopped on a channel after Duration milliseconds.
type ChannelTalkingFinished struct {
	EventBase
	Channel  Channel `json:"channel"`
	Duration int     `json:"duration"` // milliseconds
}

// ChannelToneDetected: a tone (e.g. fax) was detected on a channel.
type ChannelToneDetected struct {
	EventBase
	Channel Channel `json:"channel"`
}

// ChannelUserevent: a UserEvent with user-defined fields.
type ChannelUserevent struct {
	EventBase
	EventName string         `json:"eventname"`
	Channel   *Channel       `json:"channel,omitempty"`
	Bridge    *Bridge        `json:"bridge,omitempty"`
	Endpoint  *Endpoint      `json:"endpoint,omitempty"`
	Userevent map[string]any `json:"userevent"`
}

// ChannelEnteredBridge: a channel entered a bridge.
type ChannelEnteredBridge struct {
	EventBase
	Bridge  Bridge   `json:"bridge"`
	Channel *Channel `json:"channel,omitempty"`
}

// ChannelLeftBridge: a channel left a bridge.
type ChannelLeftBridge struct {
	EventBase
	Bridge  Bridge  `json:"bridge"`
	Channel Channel `json:"channel"`
}

// Dial: a dial attempt changed state (DialStatus "" when it starts, then "RINGING",
// "ANSWER", "BUSY", "NOANSWER", "CANCEL", ...).
type Dial struct {
	EventBase
	Caller     *Channel `json:"caller,omitempty"`
	Peer       Channel  `json:"peer"`
	Forward    string   `json:"forward,omitempty"`
	Forwarded  *Channel `json:"forwarded,omitempty"`
	DialString string   `json:"dialstring,omitempty"`
	DialStatus string   `json:"dialstatus"`
}

// PlaybackStarted: a playback started.
type PlaybackStarted struct {
	EventBase
	Playback Playback `json:"playback"`
}

// PlaybackContinuing: a playback moved on to the next media of its list.
type PlaybackContinuing struct {
	EventBase
	Playback Playback `json:"playback"`
}

// PlaybackFinished: a playback ended (Playback.State "done", "failed", "stopped"...).
type PlaybackFinished struct {
	EventBase
	Playback Playback `json:"playback"`
}

// RecordingStarted: a live recording started.
type RecordingStarted struct {
	EventBase
	Recording LiveRecording `json:"recording"`
}

// RecordingFinished: a live recording ended and is now stored.
type RecordingFinished struct {
	EventBase
	Recording LiveRecording `json:"recording"`
}

// RecordingFailed: a live recording failed (Recording.Cause says why).
type RecordingFailed struct {
	EventBase
	Recording LiveRecording `json:"recording"`
}
