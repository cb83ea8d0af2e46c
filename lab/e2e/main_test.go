package main

import (
	"io"
	"strings"
	"testing"
)

func TestFlagsFromEnvironment(t *testing.T) {
	t.Setenv("ARIFLOW_ADMIN_TOKEN", "")
	t.Setenv("E2E_ADMIN_TOKEN", "")
	if _, err := parseFlags(nil, io.Discard); err == nil || !strings.Contains(err.Error(), "admin token") {
		t.Errorf("no admin token: %v, want an error naming it", err)
	}
	t.Setenv("ARIFLOW_ADMIN_TOKEN", "admintok")
	t.Setenv("E2E_SIP", "172.20.0.2:5060")
	t.Setenv("E2E_LOCAL_IP", "172.20.0.9")
	t.Setenv("MMSTANDIN_TOKEN", "mmtok")
	c, err := parseFlags([]string{"-ari-url", "http://asterisk:8088/ari", "-run", "ivr"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.AdminToken != "admintok" || c.SIPAddr != "172.20.0.2:5060" || c.LocalIP != "172.20.0.9" ||
		c.MMToken != "mmtok" || c.ARIURL != "http://asterisk:8088/ari" || c.Run != "ivr" || c.Scenarios != "lab/sipp" {
		t.Errorf("config %+v", c)
	}
	if _, err := parseFlags([]string{"stray"}, io.Discard); err == nil {
		t.Error("a stray argument was accepted")
	}
}

func TestTable(t *testing.T) {
	var b strings.Builder
	failed := printTable(&b, []outcome{
		{name: "ivr-1", expected: "2001 rings", seen: "caller: ok;\nphone 2001: 1 INVITE", ok: true},
		{name: "queue-abandon", expected: "all CANCELled", seen: "FAIL: phone 4001 got 0 CANCEL", logs: "/logs/queue-abandon"},
	})
	out := b.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if failed != 1 || len(lines) != 4 {
		t.Fatalf("failed %d, %d lines:\n%s", failed, len(lines), out)
	}
	if !strings.Contains(lines[2], "| caller: ok; phone 2001: 1 INVITE") || !strings.HasSuffix(lines[2], "| PASS") {
		t.Errorf("passing row: %q", lines[2])
	}
	if !strings.HasSuffix(lines[3], "| FAIL (logs: /logs/queue-abandon)") {
		t.Errorf("failing row: %q", lines[3])
	}
}

func TestScenariosCoverTheIssue(t *testing.T) {
	seen := map[string]bool{}
	for _, sc := range scenarios() {
		if seen[sc.name] || sc.expected == "" || sc.run == nil {
			t.Errorf("scenario %q: repeated, or without expectation or body", sc.name)
		}
		seen[sc.name] = true
	}
	for _, want := range []string{"extension-answered", "extension-not-answered", "extension-busy", "closed-hours",
		"absence-on-off", "voicemail-leave-listen", "ivr-1", "ivr-2", "ivr-timeout", "queue-ringall", "queue-abandon",
		"conference-full", "spy-listen", "spy-whisper", "spy-barge", "api-originate", "api-redirect"} {
		if !seen[want] {
			t.Errorf("no scenario %s", want)
		}
	}
}
