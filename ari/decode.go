package ari

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// DecodeEvent decodes one events-websocket message. A known type decodes to its struct
// (*StasisStart, ...); an unknown type decodes to *UnknownEvent with a copy of data.
// Malformed JSON, a message without "type", or a field of the wrong JSON type is an error.
func DecodeEvent(data []byte) (Event, error) {
	typ, ok := leadingType(data)
	if !ok {
		var probe struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(data, &probe); err != nil {
			return nil, fmt.Errorf("ari: decode event: %w", err)
		}
		typ = []byte(probe.Type)
	}
	if len(typ) == 0 {
		return nil, errors.New("ari: decode event: no type")
	}
	ev := newEvent(typ)
	if ev == nil {
		u := &UnknownEvent{Raw: bytes.Clone(data)}
		if err := json.Unmarshal(data, &u.EventBase); err != nil {
			return nil, fmt.Errorf("ari: decode %s event: %w", typ, err)
		}
		u.Type = string(typ)
		return u, nil
	}
	if err := json.Unmarshal(data, ev); err != nil {
		return nil, fmt.Errorf("ari: decode %s event: %w", typ, err)
	}
	if b := ev.Base(); b.Type != string(typ) {
		b.Type = string(typ) // a repeated "type" key: the struct is of the first one's type
	}
	return ev, nil
}

// leadingType returns the value of the top-level "type" key without decoding the rest
// of the object: it skips the values before it (Asterisk usually writes "type" first, but
// not always). ok is false when the fast path does not apply (no such key, an escaped
// value, anything unusual); data is validated later by json.Unmarshal, not here.
func leadingType(b []byte) (typ []byte, ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != '"' {
			return nil, false
		}
		end, ok := scanString(b, i)
		if !ok {
			return nil, false
		}
		key := b[i+1 : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i = skipSpace(b, i+1)
		if string(key) == "type" {
			if i >= len(b) || b[i] != '"' {
				return nil, false
			}
			end, ok := scanString(b, i)
			if !ok {
				return nil, false
			}
			v := b[i+1 : end-1]
			if bytes.IndexByte(v, '\\') >= 0 {
				return nil, false
			}
			return v, true
		}
		if i, ok = skipValue(b, i); !ok {
			return nil, false
		}
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ',' {
			return nil, false
		}
		i++
	}
}

// scanString returns the index just after the JSON string starting at b[i] == '"'.
func scanString(b []byte, i int) (int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return 0, false
}

// skipValue returns the index just after the JSON value starting at b[i]; it checks
// only what it needs to find the value's end.
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		return scanString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, ok := scanString(b, j)
				if !ok {
					return 0, false
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	default: // number, true, false, null
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && !isSpace(b[j]) {
			j++
		}
		return j, j > i
	}
}

// skipSpace returns the index of the first non-space byte of b at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// isSpace reports whether c is JSON white space.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// newEvent returns a new zero event struct for typ, or nil for an unknown type.
func newEvent(typ []byte) Event {
	switch string(typ) {
	case "StasisStart":
		return &StasisStart{}
	case "StasisEnd":
		return &StasisEnd{}
	case "ChannelCreated":
		return &ChannelCreated{}
	case "ChannelDestroyed":
		return &ChannelDestroyed{}
	case "ChannelStateChange":
		return &ChannelStateChange{}
	case "ChannelDtmfReceived":
		return &ChannelDtmfReceived{}
	case "ChannelHangupRequest":
		return &ChannelHangupRequest{}
	case "ChannelDialplan":
		return &ChannelDialplan{}
	case "ChannelCallerId":
		return &ChannelCallerID{}
	case "ChannelConnectedLine":
		return &ChannelConnectedLine{}
	case "ChannelVarset":
		return &ChannelVarset{}
	case "ChannelHold":
		return &ChannelHold{}
	case "ChannelUnhold":
		return &ChannelUnhold{}
	case "ChannelTalkingStarted":
		return &ChannelTalkingStarted{}
	case "ChannelTalkingFinished":
		return &ChannelTalkingFinished{}
	case "ChannelToneDetected":
		return &ChannelToneDetected{}
	case "ChannelUserevent":
		return &ChannelUserevent{}
	case "ChannelEnteredBridge":
		return &ChannelEnteredBridge{}
	case "ChannelLeftBridge":
		return &ChannelLeftBridge{}
	case "Dial":
		return &Dial{}
	case "PlaybackStarted":
		return &PlaybackStarted{}
	case "PlaybackContinuing":
		return &PlaybackContinuing{}
	case "PlaybackFinished":
		return &PlaybackFinished{}
	case "RecordingStarted":
		return &RecordingStarted{}
	case "RecordingFinished":
		return &RecordingFinished{}
	case "RecordingFailed":
		return &RecordingFailed{}
	case "BridgeCreated":
		return &BridgeCreated{}
	case "BridgeDestroyed":
		return &BridgeDestroyed{}
	case "BridgeMerged":
		return &BridgeMerged{}
	case "BridgeVideoSourceChanged":
		return &BridgeVideoSourceChanged{}
	case "BridgeBlindTransfer":
		return &BridgeBlindTransfer{}
	case "BridgeAttendedTransfer":
		return &BridgeAttendedTransfer{}
	case "DeviceStateChanged":
		return &DeviceStateChanged{}
	case "EndpointStateChange":
		return &EndpointStateChange{}
	case "ContactStatusChange":
		return &ContactStatusChange{}
	case "PeerStatusChange":
		return &PeerStatusChange{}
	case "TextMessageReceived":
		return &TextMessageReceived{}
	case "ApplicationReplaced":
		return &ApplicationReplaced{}
	case "ApplicationRegistered":
		return &ApplicationRegistered{}
	case "ApplicationUnregistered":
		return &ApplicationUnregistered{}
	case "ApplicationMoveFailed":
		return &ApplicationMoveFailed{}
	}
	return nil
}
