package store

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
)

type record struct {
	On bool   `json:"on"`
	By string `json:"by"`
}

func TestValuesSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutJSON("absence", "1000", record{On: true, By: "1000"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Append("audit", record{On: true, By: "1000"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Append("audit", record{On: false, By: "admin"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got record
	if err := db.GetJSON("absence", "1000", &got); err != nil {
		t.Fatal(err)
	}
	if !got.On || got.By != "1000" {
		t.Fatalf("after reopen got %+v, want on by 1000", got)
	}
	var log []record
	err = db.ForEach("audit", func(_ string, v []byte) error {
		var r record
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		log = append(log, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || log[0].By != "1000" || log[1].By != "admin" {
		t.Fatalf("audit log = %+v, want two entries in order", log)
	}
}

func TestMissingKeyIsNotFound(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var r record
	if err := db.GetJSON("absence", "1000", &r); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty bucket: err = %v, want ErrNotFound", err)
	}
	if err := db.PutJSON("absence", "2000", r); err != nil {
		t.Fatal(err)
	}
	if err := db.GetJSON("absence", "1000", &r); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing key: err = %v, want ErrNotFound", err)
	}
	if err := db.Delete("absence", "2000"); err != nil {
		t.Fatal(err)
	}
	if err := db.GetJSON("absence", "2000", &r); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted key: err = %v, want ErrNotFound", err)
	}
}

// PutAndAppend stores the value and its log entry together; when the log entry cannot be
// written (here: a log bucket without a name), the value is not stored either.
func TestPutAndAppendIsAllOrNothing(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PutAndAppend("absence", "1000", record{On: true, By: "1000"}, "audit"); err != nil {
		t.Fatal(err)
	}
	if err := db.PutAndAppend("absence", "1000", record{On: false, By: "admin"}, ""); err == nil {
		t.Fatal("a log entry without a bucket was accepted")
	}
	var got record
	if err := db.GetJSON("absence", "1000", &got); err != nil || !got.On || got.By != "1000" {
		t.Errorf("after the failed change: %+v, %v; want the first value kept", got, err)
	}
	n := 0
	_ = db.ForEach("audit", func(string, []byte) error { n++; return nil })
	if n != 1 {
		t.Errorf("audit has %d entries, want 1", n)
	}
}
