package notify_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ariflow/ariflow/notify"
	"github.com/ariflow/ariflow/notify/mmtest"
)

func newClient(t *testing.T, cfg notify.MattermostConfig) *notify.Mattermost {
	t.Helper()
	m, err := notify.NewMattermost(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func apiConfig(s *mmtest.Server) notify.MattermostConfig {
	return notify.MattermostConfig{URL: s.URL, Token: mmtest.DefaultToken, ChannelID: mmtest.DefaultChannelID, HTTPClient: s.Client()}
}

func TestCreatePost(t *testing.T) {
	s := mmtest.NewServer(mmtest.Options{})
	defer s.Close()
	m := newClient(t, apiConfig(s))
	res, err := m.CreatePost(t.Context(), notify.Post{Message: "hello", Props: map[string]any{"from": "ariflow"}, PendingPostID: "notice-1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.ID == "" || res.ChannelID != mmtest.DefaultChannelID || res.Message != "hello" || res.CreateAt == 0 || res.UserID == "" {
		t.Errorf("result %+v", res)
	}
	p := s.Posts()
	if len(p) != 1 || p[0].ID != res.ID || p[0].Token != mmtest.DefaultToken || p[0].Props["from"] != "ariflow" || p[0].PendingPostID != "notice-1" {
		t.Errorf("recorded %+v", p)
	}
}

func TestCreatePostErrors(t *testing.T) {
	s := mmtest.NewServer(mmtest.Options{})
	defer s.Close()
	tests := []struct {
		name      string
		token     string
		post      notify.Post
		fault     mmtest.Fault
		status    int
		id        string
		retryable bool
	}{
		{"bad token", "wrong-token", notify.Post{Message: "x"}, mmtest.Fault{}, 401, "api.context.session_expired.app_error", false},
		{"unknown channel", mmtest.DefaultToken, notify.Post{ChannelID: strings.Repeat("a", 26), Message: "x"}, mmtest.Fault{}, 403, "api.context.permissions.app_error", false},
		{"empty message", mmtest.DefaultToken, notify.Post{}, mmtest.Fault{}, 400, "model.post.is_valid.msg.app_error", false},
		{"server error", mmtest.DefaultToken, notify.Post{Message: "x"}, mmtest.Fault{Status: 500}, 500, "mmtest.fault.app_error", true},
		{"rate limited", mmtest.DefaultToken, notify.Post{Message: "x"}, mmtest.Fault{Status: 429}, 429, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.SetFault(tc.fault)
			defer s.SetFault(mmtest.Fault{})
			cfg := apiConfig(s)
			cfg.Token = tc.token
			_, err := newClient(t, cfg).CreatePost(t.Context(), tc.post)
			var api *notify.APIError
			if !errors.As(err, &api) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if api.Status != tc.status || api.ID != tc.id || api.Path != "/api/v4/posts" || api.Message == "" {
				t.Errorf("got %+v, want status %d id %q", api, tc.status, tc.id)
			}
			if tc.id != "" && api.RequestID == "" {
				t.Errorf("no request id in %+v", api)
			}
			if notify.Retryable(err) != tc.retryable {
				t.Errorf("Retryable = %v, want %v", notify.Retryable(err), tc.retryable)
			}
			if tc.status == 429 && api.RetryAfter != time.Second {
				t.Errorf("RetryAfter = %s, want 1s", api.RetryAfter)
			}
			if strings.Contains(err.Error(), tc.token) {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

func TestConnectionRefusedIsRetryable(t *testing.T) {
	s := mmtest.NewServer(mmtest.Options{})
	defer s.Close()
	s.Refuse()
	_, err := newClient(t, apiConfig(s)).CreatePost(t.Context(), notify.Post{Message: "x"})
	if !errors.Is(err, syscall.ECONNREFUSED) || !notify.Retryable(err) {
		t.Errorf("err = %v (retryable %v), want a retryable connection refused", err, notify.Retryable(err))
	}
}

func TestTimeout(t *testing.T) {
	s := mmtest.NewServer(mmtest.Options{})
	defer s.Close()
	s.SetFault(mmtest.Fault{Hang: true})
	cfg := apiConfig(s)
	cfg.Timeout = 50 * time.Millisecond
	_, err := newClient(t, cfg).CreatePost(t.Context(), notify.Post{Message: "x"})
	if !errors.Is(err, context.DeadlineExceeded) || !notify.Retryable(err) {
		t.Errorf("err = %v, want a retryable deadline exceeded", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err = newClient(t, apiConfig(s)).CreatePost(ctx, notify.Post{Message: "x"}); !errors.Is(err, context.Canceled) || notify.Retryable(err) {
		t.Errorf("err = %v, want a final context.Canceled", err)
	}
}

// A server that echoes the token in its error (old Mattermost versions put "token=..." in
// detailed_error) must not get it into our errors.
func TestErrorScrubsToken(t *testing.T) {
	const token = "s3cr3t-token-value"
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"id":"api.context.session_expired.app_error","message":"Invalid session ` + token +
			`","detailed_error":"token=` + token + `","request_id":"r","status_code":401}`))
	}))
	defer ts.Close()
	_, err := newClient(t, notify.MattermostConfig{URL: ts.URL, Token: token, ChannelID: mmtest.DefaultChannelID}).
		CreatePost(t.Context(), notify.Post{Message: "x"})
	var api *notify.APIError
	if !errors.As(err, &api) || strings.Contains(api.DetailedError+api.Message+err.Error(), token) {
		t.Errorf("token not scrubbed: %+v", api)
	}
}

func TestWebhook(t *testing.T) {
	s := mmtest.NewServer(mmtest.Options{})
	defer s.Close()
	m := newClient(t, notify.MattermostConfig{WebhookURL: s.HookURL(mmtest.DefaultHookKey), HTTPClient: s.Client(), WebhookUsername: "standard"})
	res, err := m.CreatePost(t.Context(), notify.Post{Message: "via hook"})
	if err != nil || !res.Webhook {
		t.Fatalf("CreatePost: %+v, %v", res, err)
	}
	if p := s.Posts(); len(p) != 1 || p[0].Message != "via hook" || p[0].Hook != mmtest.DefaultHookKey || p[0].Username != "standard" {
		t.Errorf("recorded %+v", p)
	}
	if _, err := m.UploadFile(t.Context(), "", "a.wav", strings.NewReader("x")); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("upload through a webhook: %v, want ErrUnsupported", err)
	}

	// The key is a secret: not in errors.
	bad := newClient(t, notify.MattermostConfig{WebhookURL: s.HookURL("thekeyisasecret"), HTTPClient: s.Client()})
	_, err = bad.CreatePost(t.Context(), notify.Post{Message: "x"})
	var api *notify.APIError
	if !errors.As(err, &api) || api.Status != 400 || api.Path != "/hooks/<redacted>" || strings.Contains(err.Error(), "thekeyisasecret") {
		t.Errorf("unknown hook: %v", err)
	}
	s.Refuse()
	_, err = bad.CreatePost(t.Context(), notify.Post{Message: "x"})
	if err == nil || strings.Contains(err.Error(), "thekeyisasecret") || !notify.Retryable(err) {
		t.Errorf("refused hook: %v", err)
	}
}

func TestUploadFile(t *testing.T) {
	s := mmtest.NewServer(mmtest.Options{})
	defer s.Close()
	m := newClient(t, apiConfig(s))
	id, err := m.UploadFile(t.Context(), "", "../../etc/msg0001.wav", strings.NewReader("RIFFdata"))
	if err != nil {
		t.Fatal(err)
	}
	f := s.Files()
	if len(f) != 1 || f[0].ID != id || f[0].Name != "msg0001.wav" || string(f[0].Data) != "RIFFdata" {
		t.Errorf("files %+v", f)
	}
	if _, err := m.CreatePost(t.Context(), notify.Post{Message: "vm", FileIDs: []string{id}}); err != nil {
		t.Fatal(err)
	}
	if p := s.Posts(); len(p) != 1 || len(p[0].FileIDs) != 1 || p[0].FileIDs[0] != id {
		t.Errorf("post %+v", p)
	}
	_, err = m.UploadFile(t.Context(), strings.Repeat("b", 26), "a.wav", strings.NewReader("x"))
	var api *notify.APIError
	if !errors.As(err, &api) || api.Status != 403 {
		t.Errorf("upload to an unknown channel: %v", err)
	}
}

func TestNewMattermostConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  notify.MattermostConfig
		errs []string
	}{
		{"nothing", notify.MattermostConfig{}, []string{"url (with a token) or webhook_url is required"}},
		{"api without token and channel", notify.MattermostConfig{URL: "http://mm"}, []string{"token is required", "channel_id is required"}},
		{"bad url and channel", notify.MattermostConfig{URL: "ftp://mm", Token: "t", ChannelID: "general"},
			[]string{"scheme must be http or https", `channel_id "general" is not a Mattermost id`}},
		{"api path", notify.MattermostConfig{URL: "http://mm/api/v4", Token: "t", ChannelID: mmtest.DefaultChannelID}, []string{"without /api/v4"}},
		{"credentials", notify.MattermostConfig{URL: "http://u:p@mm", Token: "t", ChannelID: mmtest.DefaultChannelID}, []string{"credentials in the URL"}},
		{"token with newline", notify.MattermostConfig{URL: "http://mm", Token: "t\nX-Evil: 1", ChannelID: mmtest.DefaultChannelID}, []string{"line breaks"}},
		{"webhook without key", notify.MattermostConfig{WebhookURL: "http://mm/"}, []string{"no key"}},
		{"negative timeout", notify.MattermostConfig{WebhookURL: "http://mm/hooks/k", Timeout: -1}, []string{"timeout must be > 0"}},
		{"api ok", notify.MattermostConfig{URL: "https://chat.example.com/", Token: "t", ChannelID: mmtest.DefaultChannelID}, nil},
		{"webhook ok", notify.MattermostConfig{WebhookURL: "https://chat.example.com/hooks/abc"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := notify.NewMattermost(tc.cfg)
			if (err == nil) != (len(tc.errs) == 0) {
				t.Fatalf("err = %v, want errors %q", err, tc.errs)
			}
			for _, want := range tc.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	const token = "redirect-secret-token"
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the redirect was followed, Authorization %q", r.Header.Get("Authorization"))
	}))
	defer other.Close()
	ts := httptest.NewServer(http.RedirectHandler(other.URL+"/api/v4/posts", http.StatusMovedPermanently))
	defer ts.Close()
	_, err := newClient(t, notify.MattermostConfig{URL: ts.URL, Token: token, ChannelID: mmtest.DefaultChannelID}).
		CreatePost(t.Context(), notify.Post{Message: "x"})
	var api *notify.APIError
	if !errors.As(err, &api) || api.Status != 301 || !strings.Contains(api.Message, other.URL) || notify.Retryable(err) {
		t.Errorf("err = %v, want a final 301 naming the new address", err)
	}
}

// With both a webhook and the API, text goes through the hook, a post with files through
// the API.
func TestWebhookAndAPI(t *testing.T) {
	s := mmtest.NewServer(mmtest.Options{})
	defer s.Close()
	cfg := apiConfig(s)
	cfg.WebhookURL = s.HookURL(mmtest.DefaultHookKey)
	m := newClient(t, cfg)
	if _, err := m.CreatePost(t.Context(), notify.Post{Message: "text"}); err != nil {
		t.Fatal(err)
	}
	id, err := m.UploadFile(t.Context(), "", "a.wav", strings.NewReader("RIFF"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.CreatePost(t.Context(), notify.Post{Message: "audio", FileIDs: []string{id}}); err != nil {
		t.Fatal(err)
	}
	p := s.Posts()
	if len(p) != 2 || p[0].Hook == "" || p[1].Hook != "" || p[1].Token != mmtest.DefaultToken || len(p[1].FileIDs) != 1 {
		t.Errorf("posts %+v", p)
	}
}
