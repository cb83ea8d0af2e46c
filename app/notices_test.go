package app_test

import (
	"testing"

	"github.com/ariflow/ariflow/app"
	"github.com/ariflow/ariflow/config"
)

func parseRouting(t *testing.T, src string) *config.File {
	t.Helper()
	f, err := config.Parse("r.yaml", []byte(src+`asterisk: {url: "http://127.0.0.1:18088/ari", username: u, password: p}
`))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A webhook-only notify section passes `ariflow check`, so serve must take it too: it has
// no token to resolve.
func TestNotifySettingsWebhookOnly(t *testing.T) {
	const hook = "https://chat.example.com/hooks/abcdefghijklmnopqrstuvwxyz"
	f := parseRouting(t, `
notify:
  mattermost: {webhook_url: "`+hook+`"}
`)
	client, _, ok, err := app.NotifySettings(f)
	if err != nil || !ok {
		t.Fatalf("NotifySettings = ok %v, err %v; want ok, no error", ok, err)
	}
	if client.WebhookURL != hook || client.Token != "" || client.URL != "" {
		t.Errorf("client = %+v, want the webhook alone, no token", client)
	}
}

func TestNotifySettingsAPI(t *testing.T) {
	t.Setenv("ARIFLOW_TEST_MM_TOKEN", "s3cret")
	f := parseRouting(t, `
timezone: Asia/Tokyo
notify:
  mattermost: {url: "https://chat.example.com", token_env: ARIFLOW_TEST_MM_TOKEN, channel_id: abcdefghijklmnopqrstuvwxyz}
`)
	client, notifier, ok, err := app.NotifySettings(f)
	if err != nil || !ok {
		t.Fatalf("NotifySettings = ok %v, err %v; want ok, no error", ok, err)
	}
	if client.Token != "s3cret" || client.URL != "https://chat.example.com" || notifier.ChannelID != "abcdefghijklmnopqrstuvwxyz" {
		t.Errorf("client = %+v, notifier channel %q", client, notifier.ChannelID)
	}
	if notifier.Now == nil {
		t.Fatal("notifier.Now is nil: {time} would not be in the office's time zone")
	}
	if got := notifier.Now().Location().String(); got != "Asia/Tokyo" {
		t.Errorf("notifier.Now() is in %s, want the file's timezone Asia/Tokyo", got)
	}

	t.Setenv("ARIFLOW_TEST_MM_TOKEN", "")
	if _, _, _, err := app.NotifySettings(f); err == nil {
		t.Error("API form without its token: no error")
	}
	if _, _, ok, err := app.NotifySettings(parseRouting(t, "")); ok || err != nil {
		t.Errorf("no notify section: ok %v, err %v; want not ok, no error", ok, err)
	}
}
