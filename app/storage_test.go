package app_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/ariflow/ariflow/ari/aritest"
	"github.com/ariflow/ariflow/recordings"
)

// A recording that fails while the phone and the caller talk (the folder unwritable, the
// disk full) does not end the call: the call goes on, no longer shown as recorded, until
// the phone hangs up.
func TestFailedRecordingDoesNotEndTheCall(t *testing.T) {
	f := newFixture(t, extBody)
	leg := f.ring("c1", "1000", "PJSIP/1000")
	f.answer(leg)
	bridge := f.want(http.MethodPost, "/bridges").Query.Get("bridgeId")
	rec := f.want(http.MethodPost, "/bridges/"+bridge+"/record")
	name := rec.Query.Get("name")
	f.waitRecording(name)
	// From the recording's start its sidecar is there, unfinished: what an app stopped
	// mid-call leaves.
	if m := f.waitSidecar(name); !m.Unfinished || m.Caller != "1000" || m.Callee != "1000" {
		t.Errorf("sidecar during the call: %+v, want unfinished, from the caller to 1000", m)
	}

	f.push("RecordingFailed", map[string]any{"recording": map[string]any{
		"name": name, "format": "wav", "state": "failed", "target_uri": "bridge:" + bridge,
		"cause": "Could not open file"}})
	f.waitRecording("")
	for _, r := range f.srv.Requests() {
		if r.Method == http.MethodDelete {
			t.Fatalf("the failed recording ended the call: %s %s", r.Method, r.Path)
		}
	}
	if calls := f.app.Calls(); len(calls) != 1 || calls[0].Bridge != bridge {
		t.Fatalf("calls = %+v, want the bridged call still up", calls)
	}

	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel(leg)})
	f.want(http.MethodDelete, "/channels/c1")
	f.want(http.MethodDelete, "/bridges/"+bridge)
	f.waitIdle()
	if _, err := os.Stat(recordings.Sidecar(f.recordingsDir(), name)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the sidecar of the failed recording is left: %v", err)
	}
}

func (f *fixture) recordingsDir() string { return f.app.Routing().File.Recordings.Directory }

// waitSidecar waits for the sidecar of recording name and returns it.
func (f *fixture) waitSidecar(name string) recordings.Meta {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		data, err := os.ReadFile(recordings.Sidecar(f.recordingsDir(), name))
		var m recordings.Meta
		if err == nil && json.Unmarshal(data, &m) == nil {
			return m
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("no sidecar of %s: %v", name, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitRecording waits until the only call shows recording name ("" for none).
func (f *fixture) waitRecording(name string) {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		calls := f.app.Calls()
		if len(calls) == 1 && calls[0].Recording == name {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("calls = %+v, want one recording %q", calls, name)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Asterisk that cannot write a bridge's recording reports it finished at once (state done,
// no RecordingFailed): the call goes on, no longer shown as recorded.
func TestRecordingStoppedEarlyDoesNotEndTheCall(t *testing.T) {
	f := newFixture(t, extBody)
	leg := f.ring("c1", "1000", "PJSIP/1000")
	f.answer(leg)
	bridge := f.want(http.MethodPost, "/bridges").Query.Get("bridgeId")
	name := f.want(http.MethodPost, "/bridges/"+bridge+"/record").Query.Get("name")
	f.waitRecording(name)
	f.push("RecordingFinished", map[string]any{"recording": map[string]any{
		"name": name, "format": "wav", "state": "done", "target_uri": "bridge:" + bridge}})
	f.waitRecording("")
	for _, r := range f.srv.Requests() {
		if r.Method == http.MethodDelete {
			t.Fatalf("the stopped recording ended the call: %s %s", r.Method, r.Path)
		}
	}
	f.push("StasisEnd", map[string]any{"application": testApp, "channel": aritest.Channel("c1")})
	f.want(http.MethodDelete, "/channels/"+leg)
	f.waitIdle()
}
