// Package integration places real SIP calls (SIPp) through the lab's real Asterisk 22
// into the app. The tests run when ARIFLOW_LAB=1 (make test starts the lab first).
package integration
