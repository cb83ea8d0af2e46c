package queue

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ariflow/ariflow/config"
)

const seedsQueue = `
asterisk: {url: "http://127.0.0.1:8088/ari", username: u, password: p}
timezone: Europe/Paris
recordings: {directory: /var/spool/asterisk/recording}
extensions:
  "2000": {endpoint: PJSIP/2000}
voicemail: {boxes: {"2000": {pin: "1234"}}}
queues:
  file-attente:
    music_class: classic
    members: [PJSIP/4001, PJSIP/4002, PJSIP/4003]
    announce_position: true
    max_wait: 5m
    after_max_wait: {voicemail: "2000"}
    record: true
numbers:
  "600": {queue: file-attente}
`

func TestExplainTheSeedsQueue(t *testing.T) {
	f, err := config.Parse("office.yaml", []byte(seedsQueue))
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	got := strings.Join(Explain(f, "file-attente", "", "600", "2000", time.Date(2026, 11, 23, 10, 0, 0, 0, paris)), "\n")
	want := strings.Join([]string{
		"answer",
		"announce the caller's position (and the estimated wait left, from one minute up), unless it is next and a member is free",
		"wait with hold music classic",
		"ring every free member at once (PJSIP/4001, PJSIP/4002, PJSIP/4003) for 20s; the first to answer takes the call",
		"nobody answers: ring again after 5s",
		"record the connected call as monitor/600-2026:11:23_10h00m00s.wav",
		"after 5m0s of waiting: voicemail of 2000",
	}, "\n")
	if got != want {
		t.Errorf("Explain:\n%s\nwant\n%s", got, want)
	}
}

// A queue records its calls only when it says so, as the seed's queue did not.
func TestExplainRecordsOnlyWhenAsked(t *testing.T) {
	f, err := config.Parse("office.yaml", []byte(strings.Replace(seedsQueue, "    record: true\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	steps := strings.Join(Explain(f, "file-attente", "", "600", "2000", time.Now()), "\n")
	if strings.Contains(steps, "record") {
		t.Errorf("a queue without record: true is recorded:\n%s", steps)
	}
}

// A queue that turns callers away without max_wait still sends them to after_max_wait:
// when it is full, when nobody can take calls on joining and when the last member leaves.
func TestExplainTurnedAwayCallers(t *testing.T) {
	yaml := strings.Replace(seedsQueue, "    max_wait: 5m\n", "    strategy: linear\n    max_length: 3\n    join_empty: false\n    leave_empty: true\n", 1)
	f, err := config.Parse("office.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	steps := Explain(f, "file-attente", "", "600", "2000", time.Now())
	got := strings.Join(steps, "\n")
	for _, want := range []string{
		"queue file-attente takes at most 3 waiting callers; one more: voicemail of 2000",
		"while no member is logged in and unpaused, no caller joins: voicemail of 2000",
		"ring one free member at a time (PJSIP/4001, PJSIP/4002, PJSIP/4003, linear) for 20s each; after one busy or unreachable, the next at once",
		"nobody answers once each was tried: ring again after 5s",
		"once no member is logged in and unpaused, the caller leaves: voicemail of 2000",
	} {
		if !slices.Contains(steps, want) {
			t.Errorf("Explain misses %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "of waiting") {
		t.Errorf("Explain tells of a max_wait the queue has not:\n%s", got)
	}
}
