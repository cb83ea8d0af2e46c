package main

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ariflow/ariflow/absence"
	"github.com/ariflow/ariflow/store"
)

// postedAbsences records the absence notices the hook posts.
type postedAbsences struct{ got []string }

func (p *postedAbsences) CallStarted(string, string, string) {}
func (p *postedAbsences) CallMissed(string, string, string)  {}
func (p *postedAbsences) AbsenceChanged(exten string, on bool, by string) {
	state := "off"
	if on {
		state = "on"
	}
	p.got = append(p.got, exten+" "+state+" by "+by)
}

// Every change of absence mode is posted, whoever made it: a phone's *77 as the admin API
// (the page and the CLI go through it), once each.
func TestEveryAbsenceChangeIsPosted(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	posted := &postedAbsences{}
	abs := absence.New(db, absenceNotices(posted))
	now := time.Date(2026, 11, 23, 18, 5, 0, 0, time.UTC)
	if _, err := abs.Set("1000", true, "1000", now, time.Time{}); err != nil { // *77 from 1000
		t.Fatal(err)
	}
	if _, err := abs.Set("1000", false, "admin@127.0.0.1:51234", now, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"1000 on by 1000", "1000 off by admin@127.0.0.1:51234"}; !slices.Equal(posted.got, want) {
		t.Errorf("posted %v, want %v", posted.got, want)
	}
	if absenceNotices(nil) != nil {
		t.Error("without Mattermost the store got a hook")
	}
}
