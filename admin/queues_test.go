package admin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/queue"
	"github.com/ariflow/ariflow/store"
)

// The queue routes drive a real queue.Manager: members log out, pause and come back, the
// log records it, and bad input gets a 4xx naming the field.
func TestQueueRoutes(t *testing.T) {
	f := newFixture(t)
	db, err := store.Open(filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	qm := queue.NewManager(db, zerolog.Nop())
	qm.Configure(map[string]config.Queue{"file-attente": {Name: "file-attente", Strategy: "ringall",
		MemberTimeout: 20 * time.Second, Members: []string{"PJSIP/4001", "PJSIP/4002"}}})
	s, err := New(Config{Token: token}, Deps{App: f.app, Absence: absence.New(db, nil), Queues: qm,
		Reload: func() error { return nil }, ReloadModule: func(context.Context, string) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	f.srv = srv

	if code, body := f.get("/api/queues"); code != 200 || !strings.Contains(body, `"endpoint": "PJSIP/4002"`) || !strings.Contains(body, `"status": "available"`) {
		t.Fatalf("queues: %d %s", code, body)
	}
	for _, tc := range []struct {
		body, want string
		code       int
	}{
		{`{"member":"PJSIP/4001","action":"pause","reason":"lunch"}`, `"status": "paused"`, 200},
		{`{"member":"PJSIP/4001","action":"unpause"}`, `"status": "available"`, 200},
		{`{"member":"PJSIP/4002","action":"logout"}`, `"status": "logged out"`, 200},
		{`{"member":"PJSIP/4002","action":"login"}`, `"status": "available"`, 200},
		{`{"member":"PJSIP/4009","action":"login"}`, `"field": "queue"`, 404},
		{`{"member":"4001","action":"login"}`, `"field": "member"`, 400},
		{`{"member":"PJSIP/4001","action":"dance"}`, `"field": "action"`, 400},
	} {
		code, body := f.do("POST", "/api/queues/file-attente/members", tc.body, "", token)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want %d with %s", tc.body, code, body, tc.code, tc.want)
		}
	}
	if code, _ := f.get("/api/queues/nope"); code != http.StatusNotFound {
		t.Errorf("an unknown queue: %d", code)
	}
	code, body := f.get("/api/queues/file-attente/log")
	if code != 200 || !strings.Contains(body, `"event": "PAUSE"`) || !strings.Contains(body, `"reason": "lunch"`) {
		t.Errorf("log: %d %s", code, body)
	}
}
