package mmtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
)

type postList struct {
	Order []string `json:"order"`
	Posts map[string]struct {
		ID        string         `json:"id"`
		CreateAt  int64          `json:"create_at"`
		UserID    string         `json:"user_id"`
		ChannelID string         `json:"channel_id"`
		Message   string         `json:"message"`
		Props     map[string]any `json:"props"`
		FileIDs   []string       `json:"file_ids"`
	} `json:"posts"`
}

func get(t *testing.T, c *http.Client, url, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
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
	return resp.StatusCode, data
}

func TestChannelPosts(t *testing.T) {
	const other = "otherchannel00000000000000"
	var mu sync.Mutex
	var seen []string
	s := NewServer(Options{Channels: []string{DefaultChannelID, other}, OnPost: func(p RecordedPost) {
		mu.Lock()
		seen = append(seen, p.Message)
		mu.Unlock()
	}})
	defer s.Close()
	c := s.Client()
	for i, ch := range []string{DefaultChannelID, other, DefaultChannelID} {
		body := `{"channel_id":"` + ch + `","message":"m` + strconv.Itoa(i) + `","props":{"k":"v"}}`
		if a := post(t, c, s.URL+"/api/v4/posts", DefaultToken, "application/json", body); a.status != 201 {
			t.Fatalf("post %d: %d %s", i, a.status, a.raw)
		}
	}
	if a := post(t, c, s.HookURL(DefaultHookKey), "", "application/json", `{"text":"hooked","username":"pbx"}`); a.status != 200 {
		t.Fatalf("hook: %d %s", a.status, a.raw)
	}
	mu.Lock()
	if len(seen) != 4 || seen[0] != "m0" || seen[3] != "hooked" {
		t.Errorf("OnPost saw %q", seen)
	}
	mu.Unlock()

	url := s.URL + "/api/v4/channels/" + DefaultChannelID + "/posts"
	status, data := get(t, c, url, DefaultToken)
	var list postList
	if err := json.Unmarshal(data, &list); status != 200 || err != nil {
		t.Fatalf("list: %d %v %s", status, err, data)
	}
	var msgs []string
	for _, id := range list.Order {
		p, ok := list.Posts[id]
		if !ok || p.ID != id || p.ChannelID != DefaultChannelID || p.UserID != DefaultUserID || p.CreateAt == 0 {
			t.Errorf("post %s: %+v", id, p)
		}
		msgs = append(msgs, p.Message)
	}
	if len(msgs) != 3 || msgs[0] != "hooked" || msgs[1] != "m2" || msgs[2] != "m0" {
		t.Errorf("messages newest first %q, want [hooked m2 m0]", msgs)
	}
	if p := list.Posts[list.Order[0]]; p.Props["from_webhook"] != "true" || p.Props["override_username"] != "pbx" {
		t.Errorf("webhook post props %v", p.Props)
	}
	if p := list.Posts[list.Order[1]]; p.Props["k"] != "v" {
		t.Errorf("post props %v", p.Props)
	}

	if status, data = get(t, c, url+"?page=1&per_page=2", DefaultToken); status == 200 {
		list = postList{}
		_ = json.Unmarshal(data, &list)
		if len(list.Order) != 1 || list.Posts[list.Order[0]].Message != "m0" {
			t.Errorf("page 1 of 2: %s", data)
		}
	} else {
		t.Errorf("paged: %d %s", status, data)
	}

	for _, tc := range []struct {
		name, url, token string
		status           int
	}{
		{"no token", url, "", 401},
		{"wrong token", url, "nope", 401},
		{"malformed channel", s.URL + "/api/v4/channels/abc/posts", DefaultToken, 400},
		{"foreign channel", s.URL + "/api/v4/channels/aaaaaaaaaaaaaaaaaaaaaaaaaa/posts", DefaultToken, 403},
		{"bad page", url + "?page=x", DefaultToken, 400},
	} {
		if status, data := get(t, c, tc.url, tc.token); status != tc.status {
			t.Errorf("%s: %d, want %d: %s", tc.name, status, tc.status, data)
		}
	}
	if a := post(t, c, url, DefaultToken, "application/json", "{}"); a.status != 405 {
		t.Errorf("POST to the list: %d", a.status)
	}
}
