package ari_test

import (
	"fmt"
	"testing"

	"github.com/rs/zerolog"

	"github.com/ariflow/ariflow/ari"
)

func BenchmarkDecodeEvent(b *testing.B) {
	for _, name := range []string{"StasisStart", "ChannelDtmfReceived", "ChannelHangupRequest", "Unknown_FutureEvent"} {
		data := readEvent(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := ari.DecodeEvent(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBusPublish publishes DTMF events of 1000 calls, each with its own subscription
// (drained concurrently), as the app does from its event loop.
func BenchmarkBusPublish(b *testing.B) {
	const calls = 1000
	bus := ari.NewBus(zerolog.Nop())
	events := make([]ari.Event, calls)
	done := make(chan struct{})
	defer close(done)
	for i := range calls {
		id := fmt.Sprintf("1795634900.%d", i)
		events[i] = dtmf(id, i)
		sub := bus.Subscribe(64, ari.ChannelKey(id))
		go func() {
			for {
				select {
				case <-sub.C():
				case <-done:
					return
				}
			}
		}()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		bus.Publish(events[i%calls])
		i++
	}
	st := bus.Stats()
	b.ReportMetric(float64(st.Dropped)/float64(i), "dropped/op")
}
