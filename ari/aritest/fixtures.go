package aritest

import (
	"embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"time"
)

// testdata holds REST answers captured from Asterisk 22.10.1 (see testdata/README.md).
//
//go:embed testdata/*.json
var testdata embed.FS

// AsteriskID is the asterisk_id of the captured fixtures and of [Event].
const AsteriskID = "02:fc:00:00:00:01"

// Fixture returns a fresh decoded copy of a captured REST answer, e.g. "channel",
// "bridge", "playback", "live_recording" (the file testdata/<name>.json). It panics if
// there is no such fixture.
func Fixture(name string) any {
	b, err := testdata.ReadFile("testdata/" + name + ".json")
	if err != nil {
		panic(fmt.Sprintf("aritest: no fixture %q", name))
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		panic(fmt.Sprintf("aritest: fixture %q: %v", name, err))
	}
	return v
}

// object returns Fixture(name) as an object with fields set.
func object(name string, set map[string]any) map[string]any {
	m := Fixture(name).(map[string]any)
	maps.Copy(m, set)
	return m
}

// Timestamp formats t as Asterisk does: "2026-11-25T19:27:58.532+0000".
func Timestamp(t time.Time) string { return t.Format("2006-01-02T15:04:05.000-0700") }

// Channel returns a captured channel object (a PJSIP call in Stasis, state "Up") with id
// as its id; change other fields in the returned map as needed.
func Channel(id string) map[string]any {
	return object("channel", map[string]any{"id": id, "creationtime": Timestamp(time.Now())})
}

// Bridge returns a captured mixing bridge object with id as its id and no channels.
func Bridge(id string) map[string]any {
	return object("bridge", map[string]any{"id": id, "channels": []string{},
		"creationtime": Timestamp(time.Now())})
}

// Event returns an event object of type typ with fields, and "timestamp" and
// "asterisk_id" set unless fields has them; set "application" in fields if the code
// under test checks it. Push the result to send it.
func Event(typ string, fields map[string]any) map[string]any {
	m := map[string]any{"type": typ, "timestamp": Timestamp(time.Now()), "asterisk_id": AsteriskID}
	maps.Copy(m, fields)
	return m
}

// StasisStart returns a StasisStart event for a channel (see [Channel]) entering app
// with args.
func StasisStart(app, channelID string, args ...string) map[string]any {
	if args == nil {
		args = []string{}
	}
	return Event("StasisStart", map[string]any{"application": app, "args": args, "channel": Channel(channelID)})
}

// WAV returns a valid, silent 8 kHz 16-bit mono WAV file of d.
func WAV(d time.Duration) []byte {
	n := int(d.Seconds()*8000) * 2
	b := make([]byte, 44+n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1) // PCM
	binary.LittleEndian.PutUint16(b[22:], 1) // mono
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint32(b[28:], 16000)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(n))
	return b
}
