package app

import (
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ariflow/ariflow/config"
	"github.com/ariflow/ariflow/notify"
)

// NotifySettings turns the routing file's notify section into the Mattermost client's and
// the notifier's settings: for the REST API, the token read from its environment variable
// (an incoming webhook needs none); {time} in the file's time zone. ok is false when the
// file configures no Mattermost.
func NotifySettings(f *config.File) (client notify.MattermostConfig, notifier notify.NotifierConfig, ok bool, err error) {
	mm := f.Notify.Mattermost
	if !mm.Configured() {
		return client, notifier, false, nil
	}
	var token string
	if mm.URL != "" {
		if token, err = mm.ResolveToken(); err != nil {
			return client, notifier, false, err
		}
	}
	client = notify.MattermostConfig{URL: mm.URL, Token: token, ChannelID: mm.ChannelID, WebhookURL: mm.WebhookURL}
	loc := f.Location()
	notifier = notify.NotifierConfig{
		Now:       func() time.Time { return time.Now().In(loc) },
		ChannelID: mm.ChannelID,
		Templates: notify.Templates{
			Call: f.Notify.CallTemplate, Missed: f.Notify.MissedTemplate,
			Absence: f.Notify.AbsenceTemplate, Voicemail: f.Notify.VoicemailTemplate,
		},
	}
	return client, notifier, true, nil
}

// Notices posts the call flow's events through a notify.Notifier. It never blocks: the
// notifier queues and drops (counted) when the chat server cannot keep up.
type Notices struct {
	N *notify.Notifier
}

// CallStarted posts the seed's "Message en provenance de {caller} pour {exten}".
func (n Notices) CallStarted(caller, callerName, exten string) {
	n.N.Notify(notify.Call{Caller: caller, CallerName: callerName, Exten: exten})
}

// CallMissed posts that a call was neither answered nor left a message.
func (n Notices) CallMissed(caller, callerName, exten string) {
	n.N.Notify(notify.Missed{Caller: caller, CallerName: callerName, Exten: exten})
}

// AbsenceChanged posts that an extension's absence mode changed.
func (n Notices) AbsenceChanged(exten string, on bool, by string) {
	n.N.Notify(notify.Absence{Exten: exten, On: on, By: by})
}

// VoicemailLeft posts a new message with its audio attached.
func (n Notices) VoicemailLeft(box, caller, callerName string, d time.Duration, audio string) {
	v := notify.Voicemail{Box: box, Caller: caller, CallerName: callerName, Duration: d}
	if audio != "" {
		v.Audio = &notify.Attachment{Name: filepath.Base(audio), Open: func() (io.ReadCloser, error) { return os.Open(audio) }}
	}
	n.N.Notify(v)
}
