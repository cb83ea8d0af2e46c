// Package notify posts chat notices to Mattermost: the seed's "Message en provenance de
// {caller} pour {exten}" on each call, and missed calls, absence changes and new voicemail
// (with its audio attached).
//
// The seed ran `mmctl post create ... --message "... ${CALLERID(num)} ..."` through a shell:
// a caller could inject commands with their caller ID. Here nothing runs a program:
//
//   - [Mattermost] is a small typed client of Mattermost's REST API v4 (POST /api/v4/posts
//     with a bearer token, POST /api/v4/files) or of an incoming webhook (POST /hooks/<key>).
//     Errors from the server are [*APIError] values (errors.As); [Retryable] tells 5xx, 429
//     and network errors (worth another try) from other 4xx (not). Neither the token nor a
//     webhook's key appears in errors, hence in logs.
//   - [Defuse] makes caller-controlled text inert before it enters a message: control
//     characters removed, length capped, Markdown escaped, '@' replaced by '＠' (U+FF20) so no
//     mention pings, "://" escaped so no URL is autolinked.
//   - [Templates] render notices by plain placeholder substitution ({caller}, {exten}...),
//     not a template language.
//   - [Notifier] sends in the background from a bounded queue, so a call never waits for
//     Mattermost: Notify never blocks, failures are retried with back-off and jitter, then
//     dropped; everything is counted ([Stats]) and logged. Every attempt at a notice sends
//     the same pending_post_id, so a retry after a late answer does not post it twice. A
//     down or hung Mattermost gets no late notices: when the queue is full the oldest is
//     dropped, a notice older than ten minutes is dropped, and after three notices in a row
//     failed, nothing is tried for 30 s.
//
// The package mmtest is a stand-in for the Mattermost API, for tests and for the lab.
package notify
