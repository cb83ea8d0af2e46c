package aritest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// seq returns the next number of the server's counter.
func (s *Server) seq() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	return s.nextID
}

// newID returns a fresh id in Asterisk's uniqueid style.
func (s *Server) newID() string { return fmt.Sprintf("1795634900.%d", s.seq()) }

// nonNil returns v, or an empty slice for nil (JSON [] rather than null).
func nonNil(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

// noContent answers an action that succeeded.
func noContent(*http.Request) (int, any) { return http.StatusNoContent, nil }

// fixed answers a captured fixture.
func fixed(name string) HandlerFunc {
	return func(*http.Request) (int, any) { return http.StatusOK, Fixture(name) }
}

// param returns the path value name, else the query parameter name.
func param(r *http.Request, name string) string {
	return cmp.Or(r.PathValue(name), r.URL.Query().Get(name))
}

// defaultRoutes are the fake's answers for every ARI route ariflow uses.
func (s *Server) defaultRoutes() []routeEntry {
	routes := []struct {
		method, path string
		h            HandlerFunc
	}{
		{"GET", "/channels", fixed("channels")},
		{"POST", "/channels", s.originate},
		{"POST", "/channels/create", s.originate},
		{"GET", "/channels/{channelId}", func(r *http.Request) (int, any) {
			return http.StatusOK, Channel(r.PathValue("channelId"))
		}},
		{"POST", "/channels/{channelId}", s.originate},
		{"DELETE", "/channels/{channelId}", noContent},
		{"POST", "/channels/{channelId}/snoop", s.snoop},
		{"POST", "/channels/{channelId}/snoop/{snoopId}", s.snoop},
		{"POST", "/channels/{channelId}/play", s.play("channel", "channelId")},
		{"POST", "/channels/{channelId}/play/{playbackId}", s.play("channel", "channelId")},
		{"POST", "/channels/{channelId}/record", record("channel", "channelId")},
		{"GET", "/channels/{channelId}/variable", func(*http.Request) (int, any) {
			return http.StatusOK, map[string]string{"value": ""}
		}},
		{"POST", "/bridges", s.createBridge},
		{"GET", "/bridges", fixed("bridges")},
		{"POST", "/bridges/{bridgeId}", s.createBridge},
		{"GET", "/bridges/{bridgeId}", func(r *http.Request) (int, any) {
			return http.StatusOK, object("bridge", map[string]any{"id": r.PathValue("bridgeId")})
		}},
		{"DELETE", "/bridges/{bridgeId}", noContent},
		{"POST", "/bridges/{bridgeId}/play", s.play("bridge", "bridgeId")},
		{"POST", "/bridges/{bridgeId}/play/{playbackId}", s.play("bridge", "bridgeId")},
		{"POST", "/bridges/{bridgeId}/record", record("bridge", "bridgeId")},
		{"GET", "/playbacks/{playbackId}", func(r *http.Request) (int, any) {
			return http.StatusOK, object("playback", map[string]any{"id": r.PathValue("playbackId")})
		}},
		{"DELETE", "/playbacks/{playbackId}", noContent},
		{"POST", "/playbacks/{playbackId}/control", noContent},
		{"GET", "/recordings/live/{name}", func(r *http.Request) (int, any) {
			return http.StatusOK, object("live_recording", map[string]any{"name": r.PathValue("name")})
		}},
		{"DELETE", "/recordings/live/{name}", noContent},
		{"GET", "/recordings/stored", fixed("stored_recordings")},
		{"GET", "/recordings/stored/{name}", func(r *http.Request) (int, any) {
			return http.StatusOK, map[string]string{"name": r.PathValue("name"), "format": "wav"}
		}},
		{"DELETE", "/recordings/stored/{name}", noContent},
		{"GET", "/recordings/stored/{name}/file", func(*http.Request) (int, any) {
			return http.StatusOK, Raw{ContentType: "audio/wav", Body: WAV(100 * time.Millisecond)}
		}},
		{"POST", "/recordings/stored/{name}/copy", func(r *http.Request) (int, any) {
			return http.StatusOK, map[string]string{"name": r.URL.Query().Get("destinationRecordingName"), "format": "wav"}
		}},
		{"GET", "/deviceStates", func(*http.Request) (int, any) { return http.StatusOK, []any{Fixture("device_state")} }},
		{"GET", "/deviceStates/{name}", func(r *http.Request) (int, any) {
			return http.StatusOK, object("device_state", map[string]any{"name": r.PathValue("name")})
		}},
		{"PUT", "/deviceStates/{name}", noContent},
		{"DELETE", "/deviceStates/{name}", noContent},
		{"GET", "/endpoints", fixed("endpoints")},
		{"GET", "/endpoints/{tech}", fixed("endpoints")},
		{"GET", "/endpoints/{tech}/{resource}", func(r *http.Request) (int, any) {
			return http.StatusOK, object("endpoint", map[string]any{"technology": r.PathValue("tech"),
				"resource": r.PathValue("resource")})
		}},
		{"GET", "/asterisk/info", fixed("asterisk_info")},
		{"GET", "/asterisk/ping", func(*http.Request) (int, any) {
			return http.StatusOK, object("asterisk_ping", map[string]any{"timestamp": Timestamp(time.Now())})
		}},
		{"GET", "/asterisk/variable", func(*http.Request) (int, any) {
			return http.StatusOK, map[string]string{"value": ""}
		}},
		{"PUT", "/asterisk/modules/{module}", noContent},
		{"GET", "/sounds", fixed("sounds")},
		{"GET", "/sounds/{soundId}", func(r *http.Request) (int, any) {
			return http.StatusOK, object("sound", map[string]any{"id": r.PathValue("soundId")})
		}},
		{"GET", "/applications", fixed("applications")},
		{"GET", "/applications/{app}", application},
		{"POST", "/applications/{app}/subscription", application},
		{"DELETE", "/applications/{app}/subscription", application},
		{"PUT", "/applications/{app}/eventFilter", func(r *http.Request) (int, any) {
			var f struct {
				Allowed    []any `json:"allowed"`
				Disallowed []any `json:"disallowed"`
			}
			if err := json.NewDecoder(r.Body).Decode(&f); err != nil && r.ContentLength > 0 {
				return http.StatusBadRequest, Message("Invalid filter")
			}
			_, app := application(r)
			m := app.(map[string]any)
			m["events_allowed"], m["events_disallowed"] = nonNil(f.Allowed), nonNil(f.Disallowed)
			return http.StatusOK, m
		}},
		{"POST", "/events/user/{eventName}", noContent},
	}
	// Actions on channels, bridges and live recordings that answer 204 No Content.
	for _, a := range []string{
		"POST /channels/{channelId}/answer", "POST /channels/{channelId}/ring", "DELETE /channels/{channelId}/ring",
		"POST /channels/{channelId}/progress", "POST /channels/{channelId}/dial", "POST /channels/{channelId}/redirect",
		"POST /channels/{channelId}/continue", "POST /channels/{channelId}/move", "POST /channels/{channelId}/moh",
		"DELETE /channels/{channelId}/moh", "POST /channels/{channelId}/silence", "DELETE /channels/{channelId}/silence",
		"POST /channels/{channelId}/dtmf", "POST /channels/{channelId}/variable", "POST /channels/{channelId}/mute",
		"DELETE /channels/{channelId}/mute", "POST /channels/{channelId}/hold", "DELETE /channels/{channelId}/hold",
		"POST /bridges/{bridgeId}/addChannel", "POST /bridges/{bridgeId}/removeChannel", "POST /bridges/{bridgeId}/moh",
		"DELETE /bridges/{bridgeId}/moh", "POST /recordings/live/{name}/stop", "POST /recordings/live/{name}/pause",
		"DELETE /recordings/live/{name}/pause", "POST /recordings/live/{name}/mute", "DELETE /recordings/live/{name}/mute",
		"POST /asterisk/variable",
	} {
		method, path, _ := strings.Cut(a, " ")
		routes = append(routes, struct {
			method, path string
			h            HandlerFunc
		}{method, path, noContent})
	}
	out := make([]routeEntry, len(routes))
	for i, r := range routes {
		out[i] = routeEntry{r.method, splitPattern(r.path), r.h}
	}
	return out
}

// originate answers POST /channels, /channels/{channelId} and /channels/create: a new
// channel in state Down with the requested id, endpoint and caller id.
func (s *Server) originate(r *http.Request) (int, any) {
	q := r.URL.Query()
	endpoint := q.Get("endpoint")
	if endpoint == "" {
		return http.StatusBadRequest, Message("Endpoint must be specified")
	}
	id := cmp.Or(param(r, "channelId"), s.newID())
	ch := Channel(id)
	ch["name"] = fmt.Sprintf("%s-%08x", endpoint, s.seq())
	ch["state"] = "Down"
	ch["protocol_id"] = ""
	name, number := parseCallerID(q.Get("callerId"))
	ch["caller"] = map[string]string{"name": name, "number": number}
	ch["connected"] = map[string]string{"name": "", "number": ""}
	switch app := q.Get("app"); {
	case app != "" && strings.HasSuffix(r.URL.Path, "/create"):
		ch["dialplan"] = map[string]any{"context": "default", "exten": "s", "priority": 1,
			"app_name": "Stasis", "app_data": strings.TrimSuffix(app+","+q.Get("appArgs"), ",")}
	case app != "": // dialed at once; it enters the application when answered
		ch["dialplan"] = map[string]any{"context": "default", "exten": "s", "priority": 1,
			"app_name": "AppDial2", "app_data": "(Outgoing Line)"}
	}
	return http.StatusOK, ch
}

// parseCallerID splits `"Name" <number>` (or a bare number).
func parseCallerID(s string) (name, number string) {
	if i := strings.IndexByte(s, '<'); i >= 0 {
		name = strings.Trim(strings.TrimSpace(s[:i]), `"`)
		number = strings.TrimSuffix(s[i+1:], ">")
		return name, number
	}
	return "", s
}

// snoop answers POST /channels/{channelId}/snoop[/{snoopId}].
func (s *Server) snoop(r *http.Request) (int, any) {
	if r.URL.Query().Get("app") == "" {
		return http.StatusBadRequest, Message("Application must be specified")
	}
	id := cmp.Or(param(r, "snoopId"), s.newID())
	ch := Channel(id)
	ch["name"] = "Snoop/" + r.PathValue("channelId") + "-00000000"
	ch["protocol_id"] = ""
	ch["caller"] = map[string]string{"name": "", "number": ""}
	ch["dialplan"] = map[string]any{"context": "default", "exten": "s", "priority": 1, "app_name": "Stasis",
		"app_data": strings.TrimSuffix(r.URL.Query().Get("app")+","+r.URL.Query().Get("appArgs"), ",")}
	return http.StatusOK, ch
}

// play answers POST /{kind}s/{id}/play[/{playbackId}]: a queued playback of the first media.
func (s *Server) play(kind, idParam string) HandlerFunc {
	return func(r *http.Request) (int, any) {
		media := strings.Split(r.URL.Query().Get("media"), ",")
		if media[0] == "" {
			return http.StatusBadRequest, Message("missing required parameter media")
		}
		pb := map[string]any{"id": cmp.Or(param(r, "playbackId"), s.newID()), "media_uri": media[0],
			"target_uri": kind + ":" + r.PathValue(idParam), "language": "en", "state": "queued"}
		if len(media) > 1 {
			pb["next_media_uri"] = media[1]
		}
		return http.StatusCreated, pb
	}
}

// record answers POST /{kind}s/{id}/record: a queued live recording.
func record(kind, idParam string) HandlerFunc {
	return func(r *http.Request) (int, any) {
		q := r.URL.Query()
		if q.Get("name") == "" || q.Get("format") == "" {
			return http.StatusBadRequest, Message("missing required parameter name or format")
		}
		return http.StatusCreated, map[string]any{"name": q.Get("name"), "format": q.Get("format"),
			"state": "queued", "target_uri": kind + ":" + r.PathValue(idParam)}
	}
}

// createBridge answers POST /bridges and /bridges/{bridgeId}.
func (s *Server) createBridge(r *http.Request) (int, any) {
	q := r.URL.Query()
	b := Bridge(cmp.Or(param(r, "bridgeId"), s.newID()))
	b["name"] = q.Get("name")
	b["bridge_type"] = "mixing"
	if strings.Contains(q.Get("type"), "holding") {
		b["bridge_type"] = "holding"
	}
	return http.StatusOK, b
}

// application answers the /applications/{app} routes with the captured application.
func application(r *http.Request) (int, any) {
	return http.StatusOK, object("application", map[string]any{"name": r.PathValue("app")})
}
