package queue

import (
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
	got := strings.Join(Explain(f, "file-attente", "600", "2000", time.Date(2026, 11, 23, 10, 0, 0, 0, paris)), "\n")
	want := strings.Join([]string{
		"answer",
		"announce the caller's position (and the estimated wait from one minute up)",
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
	steps := strings.Join(Explain(f, "file-attente", "600", "2000", time.Now()), "\n")
	if strings.Contains(steps, "record") {
		t.Errorf("a queue without record: true is recorded:\n%s", steps)
	}
}
