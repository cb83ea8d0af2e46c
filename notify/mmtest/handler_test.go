package mmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

type answer struct {
	status int
	body   map[string]any
	raw    string
}

func post(t *testing.T, c *http.Client, url, token, contentType, body string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(data)}
	_ = json.Unmarshal(data, &a.body)
	return a
}

func TestPosts(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	c, url := s.Client(), s.URL+"/api/v4/posts"
	good := `{"channel_id":"` + DefaultChannelID + `","message":"hello","props":{"k":"v"}}`
	tests := []struct {
		name, url, token, ctype, body string
		status                        int
		id                            string
	}{
		{"created", url, DefaultToken, "application/json", good, 201, ""},
		{"no token", url, "", "application/json", good, 401, "api.context.session_expired.app_error"},
		{"wrong token", url, "nope", "application/json", good, 401, "api.context.session_expired.app_error"},
		{"not JSON", url, DefaultToken, "text/plain", good, 400, "api.context.invalid_body_param.app_error"},
		{"bad JSON", url, DefaultToken, "application/json", `{"channel_id":`, 400, "api.context.invalid_body_param.app_error"},
		{"no channel", url, DefaultToken, "application/json", `{"message":"x"}`, 400, "model.post.is_valid.channel_id.app_error"},
		{"short channel", url, DefaultToken, "application/json", `{"channel_id":"abc","message":"x"}`, 400, "model.post.is_valid.channel_id.app_error"},
		{"unknown channel", url, DefaultToken, "application/json", `{"channel_id":"aaaaaaaaaaaaaaaaaaaaaaaaaa","message":"x"}`, 403, "api.context.permissions.app_error"},
		{"empty message", url, DefaultToken, "application/json", `{"channel_id":"` + DefaultChannelID + `","message":""}`, 400, "model.post.is_valid.msg.app_error"},
		{"wrong path", s.URL + "/api/v4/post", DefaultToken, "application/json", good, 404, "api.context.404.app_error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := post(t, c, tc.url, tc.token, tc.ctype, tc.body)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.raw)
			}
			if tc.id != "" {
				for _, k := range []string{"id", "message", "detailed_error", "request_id", "status_code"} {
					if _, ok := a.body[k]; !ok {
						t.Errorf("error JSON lacks %q: %s", k, a.raw)
					}
				}
				if a.body["id"] != tc.id || a.body["status_code"] != float64(tc.status) {
					t.Errorf("error %v/%v, want %s/%d", a.body["id"], a.body["status_code"], tc.id, tc.status)
				}
			}
		})
	}
	a := post(t, c, url, DefaultToken, "application/json", good)
	for _, k := range []string{"id", "create_at", "update_at", "user_id", "channel_id", "message", "props"} {
		if _, ok := a.body[k]; !ok {
			t.Errorf("post JSON lacks %q: %s", k, a.raw)
		}
	}
	if id, _ := a.body["id"].(string); !validID(id) {
		t.Errorf("post id %q is not a Mattermost id", id)
	}
	posts := s.Posts()
	if len(posts) != 2 || posts[0].Message != "hello" || posts[0].Token != DefaultToken || posts[0].Props["k"] != "v" {
		t.Errorf("recorded %+v", posts)
	}
}

func TestFileAndHook(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("channel_id", DefaultChannelID)
	fw, _ := mw.CreateFormFile("files", "msg0001.wav")
	_, _ = fw.Write([]byte("RIFF...."))
	_ = mw.Close()
	a := post(t, s.Client(), s.URL+"/api/v4/files", DefaultToken, mw.FormDataContentType(), body.String())
	infos, _ := a.body["file_infos"].([]any)
	if a.status != 201 || len(infos) != 1 {
		t.Fatalf("upload: %d %s", a.status, a.raw)
	}
	fileID := infos[0].(map[string]any)["id"].(string)
	a = post(t, s.Client(), s.URL+"/api/v4/posts", DefaultToken, "application/json",
		`{"channel_id":"`+DefaultChannelID+`","message":"","file_ids":["`+fileID+`","unknownunknownunknownunkno"]}`)
	if a.status != 201 {
		t.Fatalf("post with file: %d %s", a.status, a.raw)
	}
	if p := s.Posts()[0]; len(p.FileIDs) != 1 || p.FileIDs[0] != fileID {
		t.Errorf("file ids %v, want [%s]", p.FileIDs, fileID)
	}
	if f := s.Files(); len(f) != 1 || string(f[0].Data) != "RIFF...." || f[0].Name != "msg0001.wav" {
		t.Errorf("files %+v", f)
	}

	a = post(t, s.Client(), s.HookURL(DefaultHookKey), "", "application/json", `{"text":"via hook","username":"pbx"}`)
	if a.status != 200 || a.raw != "ok" {
		t.Fatalf("hook: %d %q", a.status, a.raw)
	}
	if p := s.Posts()[1]; p.Message != "via hook" || p.Hook != DefaultHookKey || p.Username != "pbx" || p.ChannelID != DefaultChannelID {
		t.Errorf("hook post %+v", p)
	}
	if a = post(t, s.Client(), s.HookURL("nope"), "", "application/json", `{"text":"x"}`); a.status != 400 {
		t.Errorf("unknown hook: %d", a.status)
	}
	if a = post(t, s.Client(), s.HookURL(DefaultHookKey), "", "application/json", `{"text":""}`); a.status != 400 {
		t.Errorf("empty text: %d", a.status)
	}
	resp, err := s.Client().Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "via hook") || strings.Contains(string(page), DefaultToken) {
		t.Errorf("page lists no post or shows the token:\n%s", page)
	}
}

func TestFaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewPipeServer(Options{})
		defer s.Close()
		good := `{"channel_id":"` + DefaultChannelID + `","message":"x"}`
		url := s.URL + "/api/v4/posts"

		s.SetFault(Fault{Status: 500, Delay: 3 * time.Second, Count: 1})
		start := time.Now()
		if a := post(t, s.Client(), url, DefaultToken, "application/json", good); a.status != 500 || time.Since(start) != 3*time.Second {
			t.Errorf("slow 500: %d after %s", a.status, time.Since(start))
		}
		if a := post(t, s.Client(), url, DefaultToken, "application/json", good); a.status != 201 {
			t.Errorf("after a 1-count fault: %d", a.status)
		}

		s.SetFault(Fault{Hang: true})
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(good))
		if _, err := s.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("hang: %v", err)
		}
		s.SetFault(Fault{})

		s.Refuse()
		_, err := s.Client().Post(url, "application/json", strings.NewReader(good))
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("refused: %v", err)
		}
		if s.Requests() != 3 || len(s.Posts()) != 1 {
			t.Errorf("requests %d posts %d, want 3 and 1", s.Requests(), len(s.Posts()))
		}
	})
}

func TestRefuseLoopback(t *testing.T) {
	s := NewServer(Options{})
	defer s.Close()
	s.Refuse()
	_, err := s.Client().Post(s.URL+"/api/v4/posts", "application/json", strings.NewReader("{}"))
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("refused: %v", err)
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if !validID(id) || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}

// A post with a pending_post_id seen within PendingPostWindow is answered with the first
// post and not made again, as Mattermost does; another id, no id, or the same id once the
// window has passed makes a new post.
func TestPendingPostID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewPipeServer(Options{})
		defer s.Close()
		url := s.URL + "/api/v4/posts"
		send := func(pendingID string) string {
			t.Helper()
			a := post(t, s.Client(), url, DefaultToken, "application/json",
				`{"channel_id":"`+DefaultChannelID+`","message":"x","pending_post_id":"`+pendingID+`"}`)
			if a.status != http.StatusCreated {
				t.Fatalf("pending_post_id %q: %d %s", pendingID, a.status, a.raw)
			}
			return a.body["id"].(string)
		}
		first := send("p1")
		time.Sleep(PendingPostWindow - time.Second)
		if again := send("p1"); again != first {
			t.Errorf("the same pending_post_id within the window made post %s, want the first, %s", again, first)
		}
		if other := send("p2"); other == first {
			t.Error("another pending_post_id got the first post")
		}
		if a, b := send(""), send(""); a == b {
			t.Error("two posts without pending_post_id are one")
		}
		time.Sleep(time.Second)
		if late := send("p1"); late == first {
			t.Error("the same pending_post_id after the window got the first post")
		}
		if p := s.Posts(); len(p) != 5 || p[0].PendingPostID != "p1" || p[2].PendingPostID != "" {
			t.Errorf("recorded %+v, want 5 posts, the first with its pending_post_id", p)
		}
	})
}

// With AnswerDelay the post is made at once and answered late: a client that gives up
// first sees no answer, yet the post exists.
func TestAnswerDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewPipeServer(Options{})
		defer s.Close()
		good := `{"channel_id":"` + DefaultChannelID + `","message":"late"}`
		s.SetFault(Fault{AnswerDelay: 10 * time.Second, Count: 1})
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/api/v4/posts", strings.NewReader(good))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+DefaultToken)
		if _, err := s.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("answer after the client's timeout: %v", err)
		}
		if p := s.Posts(); len(p) != 1 || p[0].Message != "late" {
			t.Errorf("posts %+v, want the post made though answered late", p)
		}
		start := time.Now()
		if a := post(t, s.Client(), s.URL+"/api/v4/posts", DefaultToken, "application/json", good); a.status != 201 || time.Since(start) != 0 {
			t.Errorf("after a 1-count AnswerDelay: %d after %s", a.status, time.Since(start))
		}
		s.SetFault(Fault{AnswerDelay: 3 * time.Second})
		start = time.Now()
		if a := post(t, s.Client(), s.HookURL(DefaultHookKey), "", "application/json", `{"text":"hook"}`); a.status != 200 || a.raw != "ok" || time.Since(start) != 3*time.Second {
			t.Errorf("webhook answered late: %d %q after %s", a.status, a.raw, time.Since(start))
		}
	})
}
