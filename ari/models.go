package ari

import (
	"bytes"
	"strconv"
	"time"
)

// Time is an ARI timestamp ("2026-11-25T19:17:54.745+0000"). A value that does not parse
// decodes to the zero time rather than failing the whole event.
type Time struct{ time.Time }

// timeLayouts are the forms Asterisk has used for its Date fields.
var timeLayouts = []string{
	"2006-01-02T15:04:05.000-0700",
	"2006-01-02T15:04:05-0700",
	time.RFC3339Nano,
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	t.Time = time.Time{}
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' || bytes.IndexByte(b, '\\') >= 0 {
		return nil
	}
	s := string(b[1 : len(b)-1])
	for _, l := range timeLayouts {
		if v, err := time.Parse(l, s); err == nil {
			t.Time = v
			return nil
		}
	}
	return nil
}

// MarshalJSON implements json.Marshaler, in Asterisk's layout.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return strconv.AppendQuote(nil, t.Format(timeLayouts[0])), nil
}

// CallerID is a caller or connected-line identity.
type CallerID struct {
	Name   string `json:"name"`
	Number string `json:"number"`
}

// DialplanCEP is a dialplan location: context, extension, priority and current application.
type DialplanCEP struct {
	Context  string `json:"context"`
	Exten    string `json:"exten"`
	Priority int64  `json:"priority"`
	AppName  string `json:"app_name"`
	AppData  string `json:"app_data"`
}

// Channel is an Asterisk channel.
type Channel struct {
	ID           string            `json:"id"`
	ProtocolID   string            `json:"protocol_id,omitempty"` // SIP Call-ID for PJSIP
	Name         string            `json:"name"`                  // "PJSIP/sipp-00000001"
	State        string            `json:"state"`                 // "Down", "Ring", "Ringing", "Up", ...
	Caller       CallerID          `json:"caller"`
	Connected    CallerID          `json:"connected"`
	AccountCode  string            `json:"accountcode"`
	Dialplan     DialplanCEP       `json:"dialplan"`
	CreationTime Time              `json:"creationtime"`
	Language     string            `json:"language"`
	ChannelVars  map[string]string `json:"channelvars,omitempty"`
	CallerRDNIS  string            `json:"caller_rdnis,omitempty"`
	TenantID     string            `json:"tenantid,omitempty"`
}

// Bridge is an Asterisk bridge.
type Bridge struct {
	ID            string            `json:"id"`
	Technology    string            `json:"technology"`
	BridgeType    string            `json:"bridge_type"`  // "mixing", "holding"
	BridgeClass   string            `json:"bridge_class"` // "stasis" for ARI bridges
	Creator       string            `json:"creator"`
	Name          string            `json:"name"`
	Channels      []string          `json:"channels"` // channel ids
	VideoMode     string            `json:"video_mode,omitempty"`
	VideoSourceID string            `json:"video_source_id,omitempty"`
	CreationTime  Time              `json:"creationtime"`
	BridgeVars    map[string]string `json:"bridgevars,omitempty"`
}

// Playback is a media playback on a channel or bridge.
type Playback struct {
	ID           string `json:"id"`
	MediaURI     string `json:"media_uri"`
	NextMediaURI string `json:"next_media_uri,omitempty"`
	TargetURI    string `json:"target_uri"` // "channel:<id>" or "bridge:<id>"
	Language     string `json:"language,omitempty"`
	State        string `json:"state"` // "queued", "playing", "continuing", "done", "failed", ...
}

// LiveRecording is a recording in progress (or just ended) on a channel or bridge.
type LiveRecording struct {
	Name            string `json:"name"`
	Format          string `json:"format"`
	TargetURI       string `json:"target_uri"`                 // "channel:<id>" or "bridge:<id>"
	State           string `json:"state"`                      // "queued", "recording", "paused", "done", "failed", "canceled"
	Duration        int    `json:"duration,omitempty"`         // seconds
	TalkingDuration int    `json:"talking_duration,omitempty"` // seconds
	SilenceDuration int    `json:"silence_duration,omitempty"` // seconds
	Cause           string `json:"cause,omitempty"`            // why it failed
}

// StoredRecording is a finished recording in Asterisk's recording spool.
type StoredRecording struct {
	Name   string `json:"name"`
	Format string `json:"format"`
}

// Endpoint is a technology endpoint, e.g. PJSIP/1000.
type Endpoint struct {
	Technology string   `json:"technology"`
	Resource   string   `json:"resource"`
	State      string   `json:"state,omitempty"` // "unknown", "offline", "online"
	ChannelIDs []string `json:"channel_ids"`
}

// DeviceState is the state of a device; ARI controls the "Stasis:<name>" ones.
type DeviceState struct {
	Name  string `json:"name"`
	State string `json:"state"` // "NOT_INUSE", "INUSE", "BUSY", "RINGING", "ONHOLD", ...
}

// Device states accepted by [DeviceStateService.Update].
const (
	DeviceNotInUse    = "NOT_INUSE"
	DeviceInUse       = "INUSE"
	DeviceBusy        = "BUSY"
	DeviceInvalid     = "INVALID"
	DeviceUnavailable = "UNAVAILABLE"
	DeviceRinging     = "RINGING"
	DeviceRingInUse   = "RINGINUSE"
	DeviceOnHold      = "ONHOLD"
)

// Sound is a prompt Asterisk can play as "sound:<id>".
type Sound struct {
	ID      string           `json:"id"`
	Text    string           `json:"text,omitempty"`
	Formats []FormatLangPair `json:"formats"`
}

// FormatLangPair is one language and format a [Sound] exists in.
type FormatLangPair struct {
	Language string `json:"language"`
	Format   string `json:"format"`
}

// Application is a Stasis application and what it is subscribed to.
type Application struct {
	Name             string        `json:"name"`
	ChannelIDs       []string      `json:"channel_ids"`
	BridgeIDs        []string      `json:"bridge_ids"`
	EndpointIDs      []string      `json:"endpoint_ids"`
	DeviceNames      []string      `json:"device_names"`
	EventsAllowed    []EventFilter `json:"events_allowed"`
	EventsDisallowed []EventFilter `json:"events_disallowed"`
}

// EventFilter names one event type in an application's allowed or disallowed list.
type EventFilter struct {
	Type string `json:"type"`
}

// AsteriskInfo is what GET /asterisk/info returns.
type AsteriskInfo struct {
	Build  *BuildInfo  `json:"build,omitempty"`
	System *SystemInfo `json:"system,omitempty"`
	Config *ConfigInfo `json:"config,omitempty"`
	Status *StatusInfo `json:"status,omitempty"`
}

// BuildInfo is where and how Asterisk was built.
type BuildInfo struct {
	OS      string `json:"os"`
	Kernel  string `json:"kernel"`
	Options string `json:"options"`
	Machine string `json:"machine"`
	Date    string `json:"date"`
	User    string `json:"user"`
}

// SystemInfo is Asterisk's version and entity id.
type SystemInfo struct {
	Version  string `json:"version"`
	EntityID string `json:"entity_id"`
}

// ConfigInfo is Asterisk's main configuration.
type ConfigInfo struct {
	Name            string  `json:"name"`
	DefaultLanguage string  `json:"default_language"`
	MaxChannels     int     `json:"max_channels,omitempty"`
	MaxOpenFiles    int     `json:"max_open_files,omitempty"`
	MaxLoad         float64 `json:"max_load,omitempty"`
	SetID           SetID   `json:"setid"`
}

// SetID is the user and group Asterisk runs as.
type SetID struct {
	User  string `json:"user"`
	Group string `json:"group"`
}

// StatusInfo is when Asterisk started and last reloaded.
type StatusInfo struct {
	StartupTime    Time `json:"startup_time"`
	LastReloadTime Time `json:"last_reload_time"`
}

// AsteriskPing is the answer to GET /asterisk/ping.
type AsteriskPing struct {
	AsteriskID string `json:"asterisk_id"`
	Ping       string `json:"ping"` // "pong"
	Timestamp  string `json:"timestamp"`
}

// variable is the answer to the GET .../variable requests.
type variable struct {
	Value string `json:"value"`
}
