package main

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

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

// postingAbsences is an absence store whose changes the hook posts to the returned list.
func postingAbsences(t *testing.T) (*absence.Service, *postedAbsences) {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	posted := &postedAbsences{}
	return absence.New(db, absenceNotices(posted)), posted
}

// Every change of absence mode is posted, whoever made it: a phone's *77 as the admin API
// (the page and the CLI go through it), once each.
func TestEveryAbsenceChangeIsPosted(t *testing.T) {
	abs, posted := postingAbsences(t)
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

// serve ends a temporary absence whose end has passed (here while the app was down) and
// posts it, as it posted the start.
func TestServeEndsTemporaryAbsencesAndPostsIt(t *testing.T) {
	abs, posted := postingAbsences(t)
	set := time.Now().Add(-3 * time.Hour)
	if _, err := abs.Set("1000", true, "1000", set, set.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := abs.Set("2000", true, "2000", set, set.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // one sweep, then stop
	endAbsences(ctx, abs, zerolog.Nop())
	want := []string{"1000 on by 1000", "2000 on by 2000", "1000 off by " + absence.ExpiredBy}
	if !slices.Equal(posted.got, want) {
		t.Errorf("posted %v, want %v", posted.got, want)
	}
}
