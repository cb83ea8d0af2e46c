package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/ari/aritest"
)

// ariApp is fakeApp whose originate goes to Asterisk, as app.App's does.
type ariApp struct {
	*fakeApp
	client *ari.Client
}

func (a ariApp) Originate(ctx context.Context, ep, exten, callerID string, timeout time.Duration) (string, error) {
	ch, err := a.client.Channels.Originate(ctx, ari.OriginateRequest{Endpoint: ep, App: "ariflow", AppArgs: []string{exten}, CallerID: callerID, Timeout: timeout})
	if err != nil {
		return "", fmt.Errorf("originate %s: %w", ep, err)
	}
	return ch.ID, nil
}

// What Asterisk refuses (4xx) is the client's to fix: 404 for its 404, 400 for the others,
// naming the field, with Asterisk's reason; Asterisk failing (5xx) or not answering is 502,
// which names no field: the request was not at fault.
func TestAsteriskRefusalsAre4xx(t *testing.T) {
	f := newFixture(t)
	fake := aritest.NewServer(t)
	client, err := ari.New(ari.Options{BaseURL: fake.URL, Username: fake.Username, Password: fake.Password,
		Application: "ariflow", Logger: zerolog.Nop(), RequestTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	offline, err := ari.New(ari.Options{BaseURL: gone.URL + "/ari", Username: "u", Password: "p", Application: "ariflow", Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	deps := f.server.deps
	deps.App = ariApp{fakeApp: f.app, client: client}
	deps.ReloadModule = client.Asterisk.ReloadModule
	s, err := New(Config{Token: token, Logger: zerolog.Nop()}, deps)
	if err != nil {
		t.Fatal(err)
	}
	deps.App, deps.ReloadModule = ariApp{fakeApp: f.app, client: offline}, offline.Asterisk.ReloadModule
	sOffline, err := New(Config{Token: token, Logger: zerolog.Nop()}, deps)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name         string
		ariStatus    int
		ariMessage   string
		offline      bool
		path, body   string
		code         int
		field, place string
	}{
		{"module not found", 404, "Module not found", false, "/api/asterisk/reload", `{"module":"res_pjsipp.so"}`, 404, "module", "PUT /asterisk/modules/{m}"},
		{"module not reloadable", 409, "Module could not be reloaded", false, "/api/asterisk/reload", `{"module":"app_foo.so"}`, 400, "module", "PUT /asterisk/modules/{m}"},
		{"module, Asterisk fails", 500, "Internal Server Error", false, "/api/asterisk/reload", `{"module":"res_pjsip.so"}`, 502, "", "PUT /asterisk/modules/{m}"},
		{"module, Asterisk away", 0, "", true, "/api/asterisk/reload", `{"module":"res_pjsip.so"}`, 502, "", ""},
		{"endpoint refused", 400, "Invalid endpoint PJSIP/9999", false, "/api/calls/originate", `{"endpoint":"PJSIP/9999","exten":"1000"}`, 400, "endpoint", "POST /channels"},
		{"endpoint unknown", 404, "Endpoint not found", false, "/api/calls/originate", `{"endpoint":"PJSIP/9999","exten":"1000"}`, 404, "endpoint", "POST /channels"},
		{"originate, Asterisk fails", 500, "Allocation failed", false, "/api/calls/originate", `{"endpoint":"PJSIP/2000","exten":"1000"}`, 502, "", "POST /channels"},
		{"originate, Asterisk away", 0, "", true, "/api/calls/originate", `{"endpoint":"PJSIP/2000","exten":"1000"}`, 502, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.place != "" {
				method, path, _ := strings.Cut(tc.place, " ")
				fake.Handle(method, path, func(*http.Request) (int, any) { return tc.ariStatus, aritest.Message(tc.ariMessage) })
			}
			h := s.Handler()
			if tc.offline {
				h = sOffline.Handler()
			}
			req := httptest.NewRequest("POST", tc.path, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+token)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var e apiError
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != tc.code || e.Field != tc.field {
				t.Fatalf("%d %s, want %d naming field %q", rec.Code, rec.Body.String(), tc.code, tc.field)
			}
			if tc.code < 500 && !strings.Contains(e.Error, tc.ariMessage) {
				t.Errorf("reason %q does not give Asterisk's %q", e.Error, tc.ariMessage)
			}
		})
	}
}
