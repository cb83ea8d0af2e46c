package config

import "testing"

// BenchmarkLookup measures what the app asks of the routing file for every call (make
// bench): what the dialed number does, for a number, an extension, an absence code and an
// unknown number.
func BenchmarkLookup(b *testing.B) {
	f, err := Parse("office.yaml", readOffice(b))
	if err != nil {
		b.Fatal(err)
	}
	for _, dialed := range []string{"900", "1000", "*77", "5555"} {
		b.Run(dialed, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f.Lookup(dialed)
			}
		})
	}
}
