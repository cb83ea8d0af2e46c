package main

import "github.com/ariflow/ariflow/config"

// startOnlyChanges names the routing file's settings that the server reads once, when it
// starts, and that differ between the file it started with and now: a reload cannot apply
// them, a restart does. They are what runServer builds before the routing: the ARI client,
// the database, the Mattermost client with its templates, voicemail's folders and the
// admin API. Names are the file's keys; values are never returned (some are secrets).
func startOnlyChanges(started, now *config.File) []string {
	var changed []string
	differ := func(key string, was, is any) {
		if was != is {
			changed = append(changed, key)
		}
	}
	sa, na := started.Asterisk, now.Asterisk
	differ("asterisk.url", sa.URL, na.URL)
	differ("asterisk.username", sa.Username, na.Username)
	differ("asterisk.password", sa.Password, na.Password)
	differ("asterisk.password_env", sa.PasswordEnv, na.PasswordEnv)
	differ("asterisk.app", sa.App, na.App)
	differ("asterisk.max_connections", sa.MaxConnections, na.MaxConnections)
	differ("database", started.DatabasePath(), now.DatabasePath())
	sm, nm := started.Notify.Mattermost, now.Notify.Mattermost
	differ("notify.mattermost.url", sm.URL, nm.URL)
	differ("notify.mattermost.webhook_url", sm.WebhookURL, nm.WebhookURL)
	differ("notify.mattermost.token", sm.Token, nm.Token)
	differ("notify.mattermost.token_env", sm.TokenEnv, nm.TokenEnv)
	differ("notify.mattermost.channel_id", sm.ChannelID, nm.ChannelID)
	sn, nn := started.Notify, now.Notify
	differ("notify.call_template", sn.CallTemplate, nn.CallTemplate)
	differ("notify.missed_template", sn.MissedTemplate, nn.MissedTemplate)
	differ("notify.absence_template", sn.AbsenceTemplate, nn.AbsenceTemplate)
	differ("notify.voicemail_template", sn.VoicemailTemplate, nn.VoicemailTemplate)
	// Call recordings take a new folder at once; voicemail keeps the one it started with.
	differ("recordings.directory", started.Recordings.Directory, now.Recordings.Directory)
	differ("recordings.prefix", started.Recordings.Prefix, now.Recordings.Prefix)
	differ("admin", started.Admin.Line != 0, now.Admin.Line != 0) // the section added or taken out
	differ("admin.listen", started.Admin.Listen, now.Admin.Listen)
	differ("admin.token", started.Admin.Token, now.Admin.Token)
	differ("admin.token_env", started.Admin.TokenEnv, now.Admin.TokenEnv)
	return changed
}
