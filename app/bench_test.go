package app

import (
	"fmt"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/ari"
	"github.com/ariflow/ariflow/config"
)

// BenchmarkDispatch measures what the app does with each event on the reader goroutine
// (route it to the call that owns the channel) with 500 calls live.
func BenchmarkDispatch(b *testing.B) {
	client, err := ari.New(ari.Options{BaseURL: "http://127.0.0.1:1/ari", Application: "ariflow"})
	if err != nil {
		b.Fatal(err)
	}
	file, err := config.Parse("bench.yaml", []byte("asterisk: {url: http://127.0.0.1:1/ari, username: u, password: p}\n"))
	if err != nil {
		b.Fatal(err)
	}
	a, err := New(Options{Client: client, Logger: zerolog.Nop(), Routing: &Routing{File: file, LoadedAt: time.Now()}})
	if err != nil {
		b.Fatal(err)
	}
	const calls = 500
	for i := range calls {
		sub := a.bus.Subscribe(256, ari.ChannelKey(fmt.Sprintf("c%d", i)))
		go func() {
			for range sub.C() {
			}
		}()
		defer sub.Cancel()
	}
	ev, err := ari.DecodeEvent([]byte(`{"type":"ChannelDtmfReceived","digit":"5","duration_ms":100,` +
		`"channel":{"id":"c250","name":"PJSIP/sipp-00000001","state":"Up"},"application":"ariflow"}`))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		a.onEvent(ev)
	}
}
