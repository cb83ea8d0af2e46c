package app

import "github.com/ariflow/ariflow/notify"

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
