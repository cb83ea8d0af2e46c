package extension_test

import (
	"path/filepath"
	"testing"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/extension"
	"github.com/ariflow/ariflow/store"
)

// BenchmarkDecide measures the routing decision of an extension call (make bench): office
// hours, absence mode read from the database, the steps that follow.
func BenchmarkDecide(b *testing.B) {
	file, err := config.Parse("test.yaml", []byte(routing))
	if err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	h, err := extension.New(file, extension.Deps{Absence: absence.New(db, nil)})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct{ name, exten string }{{"scheduled", "1000"}, {"plain", "3000"}} {
		b.Run(tc.name, func(b *testing.B) {
			t := at(23, 10, 0)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := h.Decide(tc.exten, "2000", t); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
