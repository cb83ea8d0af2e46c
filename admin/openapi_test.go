package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ariflow/ariflow/recordings"
)

// openAPIDoc is the served document, as far as the tests read it.
type openAPIDoc struct {
	OpenAPI string                          `json:"openapi"`
	Paths   map[string]map[string]openAPIOp `json:"paths"`
}

type openAPIOp struct {
	Responses map[string]struct {
		Description string         `json:"description"`
		Content     map[string]any `json:"content"`
	} `json:"responses"`
	RequestBody *struct {
		Content map[string]struct {
			Schema  map[string]any `json:"schema"`
			Example any            `json:"example"`
		} `json:"content"`
	} `json:"requestBody"`
	Parameters []struct {
		Name     string         `json:"name"`
		In       string         `json:"in"`
		Required bool           `json:"required"`
		Schema   map[string]any `json:"schema"`
	} `json:"parameters"`
}

// success is the 2xx status the operation documents, "" when it documents none or several.
func (op openAPIOp) success() string {
	found := ""
	for code := range op.Responses {
		if strings.HasPrefix(code, "2") {
			if found != "" {
				return ""
			}
			found = code
		}
	}
	return found
}

func servedDoc(t *testing.T, f *fixture) openAPIDoc {
	t.Helper()
	code, body := f.get("/api/openapi.json")
	var doc openAPIDoc
	if err := json.Unmarshal([]byte(body), &doc); err != nil || code != 200 {
		t.Fatalf("/api/openapi.json: %d %v", code, err)
	}
	return doc
}

// Every route of the API is documented, and every operation documented is served by its
// route; the page's own routes (/, /login...) are outside /api/.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	f := newFixture(t)
	doc := servedDoc(t, f)
	s := f.server
	n := 0
	for _, rt := range s.routes() {
		path := pathParam.ReplaceAllString(rt.pattern, "{$1}")
		if _, ok := doc.Paths[path][strings.ToLower(rt.method)]; !ok {
			t.Errorf("%s %s is served but not documented", rt.method, path)
		}
		n++
	}
	documented := 0
	for path, ops := range doc.Paths {
		for method := range ops {
			documented++
			req := httptest.NewRequest(strings.ToUpper(method), pathParam.ReplaceAllString(path, "x"), nil)
			if _, pattern := s.mux.Handler(req); pattern == "" || pattern == apiPrefix {
				t.Errorf("%s %s is documented but not served", method, path)
			}
		}
	}
	if documented != n {
		t.Errorf("%d operations documented, %d routes", documented, n)
	}
	for pattern := range s.webRoutes() {
		if strings.Contains(pattern, apiPrefix) {
			t.Errorf("%s is served under /api/ but is not in the route table, nor documented", pattern)
		}
	}
}

// The document is OpenAPI 3.0.3: every operation documents one success status, every
// request body its media type and schema, every parameter where it goes and its schema,
// every path parameter is declared.
func TestOpenAPIIsWellFormed(t *testing.T) {
	f := newFixture(t)
	doc := servedDoc(t, f)
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			where := strings.ToUpper(method) + " " + path
			if op.success() == "" {
				t.Errorf("%s: responses %v, want one 2xx", where, op.Responses)
			}
			for code, resp := range op.Responses {
				if resp.Description == "" || len(resp.Content) == 0 {
					t.Errorf("%s: response %s has no description or no content", where, code)
				}
			}
			if rb := op.RequestBody; rb != nil {
				if len(rb.Content) == 0 {
					t.Errorf("%s: a request body without content", where)
				}
				for mediaType, media := range rb.Content {
					if media.Schema["type"] == nil || media.Example == nil {
						t.Errorf("%s: %s body without a schema type or an example", where, mediaType)
					}
					if mediaType == "application/json" && media.Schema["type"] != "object" {
						t.Errorf("%s: JSON body example is not an object (%v)", where, media.Example)
					}
				}
			}
			declared := map[string]bool{}
			for _, p := range op.Parameters {
				if p.Name == "" || (p.In != "path" && p.In != "query") || p.Schema["type"] == nil || (p.In == "path" && !p.Required) {
					t.Errorf("%s: parameter %+v", where, p)
				}
				if p.In == "path" {
					declared[p.Name] = true
				}
			}
			for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter %s is not declared", where, m[1])
				}
			}
		}
	}
	if rb := doc.Paths["/api/routing/check"]["post"].RequestBody; rb == nil || rb.Content["application/yaml"].Example == nil {
		t.Error("the routing check does not say it takes YAML")
	}
	q := doc.Paths["/api/routing/simulate"]["get"].Parameters
	if len(q) != 4 || q[1].Name != "to" || q[1].In != "query" || !q[1].Required {
		t.Errorf("simulate's query parameters: %+v", q)
	}
}

// goodRequests is a request each route answers with success, by "METHOD pattern".
var goodRequests = map[string]struct{ path, body string }{
	"GET /healthz":                                  {"/healthz", ""},
	"GET /readyz":                                   {"/readyz", ""},
	"GET /metrics":                                  {"/metrics", ""},
	"GET /api/openapi.json":                         {"/api/openapi.json", ""},
	"GET /api/calls":                                {"/api/calls", ""},
	"POST /api/calls/originate":                     {"/api/calls/originate", `{"endpoint":"PJSIP/2000","exten":"1000"}`},
	"POST /api/calls/{channel}/redirect":            {"/api/calls/c1/redirect", `{"exten":"2000"}`},
	"DELETE /api/calls/{channel}":                   {"/api/calls/c1", ""},
	"GET /api/recordings":                           {"/api/recordings?exten=1000&from=2026-11-20", ""},
	"GET /api/recordings/audio/{name...}":           {"/api/recordings/audio/monitor/1000-a.wav", ""},
	"DELETE /api/recordings/audio/{name...}":        {"/api/recordings/audio/monitor/1000-a.wav", ""},
	"GET /api/queues":                               {"/api/queues", ""},
	"GET /api/queues/{queue}":                       {"/api/queues/ventes", ""},
	"POST /api/queues/{queue}/members":              {"/api/queues/ventes/members", `{"member":"PJSIP/4001","action":"pause"}`},
	"GET /api/queues/{queue}/log":                   {"/api/queues/ventes/log?limit=10", ""},
	"GET /api/voicemail/{box}":                      {"/api/voicemail/1000?folder=INBOX", ""},
	"GET /api/voicemail/{box}/{id}/audio":           {"/api/voicemail/1000/msg-1/audio", ""},
	"POST /api/voicemail/{box}/{id}/heard":          {"/api/voicemail/1000/msg-1/heard", ""},
	"DELETE /api/voicemail/{box}/{id}":              {"/api/voicemail/1000/msg-2", ""},
	"GET /api/rooms":                                {"/api/rooms", ""},
	"POST /api/rooms":                               {"/api/rooms", `{"name":"Salle_3","pin":"1234"}`},
	"GET /api/rooms/{room}":                         {"/api/rooms/Salle_1", ""},
	"POST /api/rooms/{room}/invite":                 {"/api/rooms/Salle_1/invite", `{"endpoint":"PJSIP/2000"}`},
	"POST /api/rooms/{room}/lock":                   {"/api/rooms/Salle_1/lock", `{"locked":true}`},
	"POST /api/rooms/{room}/members/{channel}/mute": {"/api/rooms/Salle_1/members/c1/mute", `{"muted":true}`},
	"DELETE /api/rooms/{room}/members/{channel}":    {"/api/rooms/Salle_1/members/c2", ""},
	"GET /api/absence":                              {"/api/absence", ""},
	"GET /api/absence/{exten}":                      {"/api/absence/1000", ""},
	"PUT /api/absence/{exten}":                      {"/api/absence/1000", `{"on":true,"until":"2026-11-24T09:00:00+01:00"}`},
	"GET /api/schedules":                            {"/api/schedules", ""},
	"POST /api/routing/check":                       {"/api/routing/check", "asterisk: {url: http://x/ari, username: u, password: p}\n"},
	"POST /api/routing/reload":                      {"/api/routing/reload", ""},
	"GET /api/routing/simulate":                     {"/api/routing/simulate?from=2000&to=1000&at=2026-11-23%2018:05", ""},
	"POST /api/asterisk/reload":                     {"/api/asterisk/reload", `{"module":"res_pjsip.so"}`},
	"POST /api/restart":                             {"/api/restart", ""},
	"GET /api/events":                               {"/api/events", ""},
	"GET /api/page/state":                           {"/api/page/state", ""},
}

// What the document gives as a route's success status is what the route answers a good
// request: 201 for a room made, 202 for what rings a phone or restarts, 200 for the rest.
func TestOpenAPISuccessCodesAreWhatHandlersAnswer(t *testing.T) {
	f, vm := newRichFixture(t)
	deps := f.server.deps
	restarted := make(chan struct{}, 1)
	deps.Restart = func() { restarted <- struct{}{} }
	s, err := New(Config{Token: token}, deps)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	vm.audio = filepath.Join(t.TempDir(), "msg-1.wav")
	if err := os.WriteFile(vm.audio, []byte("RIFF"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(f.recDir, "monitor", "1000-a.wav")
	if err := os.MkdirAll(filepath.Dir(rec), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rec, []byte("RIFF"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := recordings.WriteSidecar(f.recDir, recordings.Meta{Name: "monitor/1000-a", Format: "wav", Caller: "2000", Callee: "1000",
		Start: time.Date(2026, 11, 20, 10, 0, 0, 0, paris), Duration: 3}); err != nil {
		t.Fatal(err)
	}
	doc := servedDoc(t, f)
	for _, rt := range s.routes() {
		key := rt.method + " " + rt.pattern
		good, ok := goodRequests[key]
		if !ok {
			t.Errorf("%s: no good request to check its success status with (add one to goodRequests)", key)
			continue
		}
		documented := doc.Paths[pathParam.ReplaceAllString(rt.pattern, "{$1}")][strings.ToLower(rt.method)].success()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		req, _ := http.NewRequestWithContext(ctx, rt.method, srv.URL+good.path, strings.NewReader(good.body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		resp.Body.Close() // the events stream too: its status is enough
		cancel()
		if got := resp.Status[:3]; got != documented {
			t.Errorf("%s %s: answered %s, documented %q", rt.method, good.path, resp.Status, documented)
		}
	}
	<-restarted
}
