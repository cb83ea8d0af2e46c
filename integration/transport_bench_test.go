package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ariflow/ariflow/internal/labtest"
)

// BenchmarkARIRequest measures what one small ARI request (GET /asterisk/variable) costs
// the lab's Asterisk, in its CPU per request ("asterisk-µs/op"), sent as the app sends its
// requests (HTTP, kept-alive connections) and over the events websocket, which Asterisk
// 22.4 and later also take REST requests on ("REST over WebSocket", one message each way).
// Each runs one request at a time and eight at once. bench/README.md says what it found:
// Asterisk spends about as much on either, some 20 to 50 µs, so carrying the app's four
// requests per menu call over the websocket would not lower Asterisk's CPU per call.
//
//	ARIFLOW_LAB=1 go test -run '^$' -bench ARIRequest -benchtime 20000x ./integration
func BenchmarkARIRequest(b *testing.B) {
	lab := labtest.Require(b)
	pidFile := filepath.Join(lab.Root, "run/ariflow-lab/asterisk.pid")
	for _, transport := range []string{"http", "websocket"} {
		for _, parallel := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/%d-at-once", transport, parallel), func(b *testing.B) {
				send := httpRequests(b, lab)
				if transport == "websocket" {
					send = websocketRequests(b, lab)
				}
				before := cpuOf(b, pidFile)
				b.ResetTimer()
				var wg sync.WaitGroup
				for w := range parallel {
					wg.Go(func() {
						for i := w; i < b.N; i += parallel {
							if err := send(); err != nil {
								b.Error(err) // not Fatal: this is not the benchmark's goroutine
								return
							}
						}
					})
				}
				wg.Wait()
				b.StopTimer()
				b.ReportMetric(float64((cpuOf(b, pidFile)-before).Microseconds())/float64(b.N), "asterisk-µs/op")
			})
		}
	}
}

// benchVariable is the request both transports send: a global variable every Asterisk has.
const benchVariable = "asterisk/variable?variable=EPOCH"

// httpRequests returns a function sending one request as the app does.
func httpRequests(b *testing.B, lab *labtest.Lab) func() error {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	b.Cleanup(hc.CloseIdleConnections)
	return func() error {
		req, err := http.NewRequest(http.MethodGet, lab.ARIURL+"/"+benchVariable, nil)
		if err != nil {
			return err
		}
		req.SetBasicAuth(lab.ARIUser, lab.ARIPassword)
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", benchVariable, resp.Status)
		}
		return nil
	}
}

// websocketRequests connects a websocket of an application of its own and returns a
// function sending one RESTRequest on it and waiting for its RESTResponse.
func websocketRequests(b *testing.B, lab *labtest.Lab) func() error {
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	auth, _ := http.NewRequest(http.MethodGet, lab.ARIURL, nil)
	auth.SetBasicAuth(lab.ARIUser, lab.ARIPassword)
	url := "ws" + strings.TrimPrefix(lab.ARIURL, "http") + "/events?app=ariflow-bench-transport&subscribeAll=false"
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: auth.Header})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.CloseNow() })
	var mu sync.Mutex
	waiting := map[string]chan int{}
	go func() {
		for {
			_, msg, err := conn.Read(ctx)
			if err != nil {
				return
			}
			var resp struct {
				Type       string `json:"type"`
				RequestID  string `json:"request_id"`
				StatusCode int    `json:"status_code"`
			}
			if json.Unmarshal(msg, &resp) != nil || resp.Type != "RESTResponse" {
				continue // ApplicationRegistered and the like
			}
			mu.Lock()
			done := waiting[resp.RequestID]
			delete(waiting, resp.RequestID)
			mu.Unlock()
			if done != nil {
				done <- resp.StatusCode
			}
		}
	}()
	path, query, _ := strings.Cut(benchVariable, "?")
	name, value, _ := strings.Cut(query, "=")
	var next sync.Mutex
	n := 0
	return func() error {
		next.Lock()
		n++
		id := strconv.Itoa(n)
		next.Unlock()
		done := make(chan int, 1)
		mu.Lock()
		waiting[id] = done
		mu.Unlock()
		msg, _ := json.Marshal(map[string]any{"type": "RESTRequest", "request_id": id, "method": "GET", "uri": path,
			"query_strings": []map[string]string{{"name": name, "value": value}}})
		if err := conn.Write(ctx, websocket.MessageText, msg); err != nil {
			return err
		}
		select {
		case code := <-done:
			if code != http.StatusOK {
				return fmt.Errorf("RESTRequest GET %s: status %d", benchVariable, code)
			}
			return nil
		case <-time.After(5 * time.Second):
			return fmt.Errorf("RESTRequest GET %s: no RESTResponse in 5 s (Asterisk before 22.4?)", benchVariable)
		}
	}
}

// cpuOf is the CPU (user and system) process pidFile names has used so far.
func cpuOf(b *testing.B, pidFile string) time.Duration {
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		b.Fatal(err)
	}
	stat, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/stat")
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command's closing parenthesis, from the state (3rd); utime and
	// stime are the 14th and 15th (proc(5)), in ticks of USER_HZ, 100 on Linux.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("%s: %v %v", pidFile, err1, err2)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
