package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// DatabasePath is the database file, resolved relative to the routing file's directory.
func (f *File) DatabasePath() string {
	if filepath.IsAbs(f.Database) {
		return f.Database
	}
	return filepath.Join(filepath.Dir(f.Name), f.Database)
}

// Location is the office's time zone (time.Local when the file names none).
func (f *File) Location() *time.Location {
	if f.loc == nil {
		return time.Local
	}
	return f.loc
}

// Lookup says what dialing a number does: a numbers entry, an extension (ActExtension), or
// an absence code (ActAbsence "on" or "off" for the caller's own extension).
func (f *File) Lookup(dialed string) (Action, bool) {
	if a, ok := f.Numbers[dialed]; ok {
		return a, true
	}
	if x, ok := f.Extensions[dialed]; ok {
		return Action{Kind: ActExtension, Line: x.Line, Extension: dialed}, true
	}
	switch dialed {
	case f.Absence.OnCode:
		return Action{Kind: ActAbsence, Line: f.Absence.Line, Absence: "on"}, true
	case f.Absence.OffCode:
		return Action{Kind: ActAbsence, Line: f.Absence.Line, Absence: "off"}, true
	}
	return Action{}, false
}

// ResolvePassword returns Password, or else the value of the PasswordEnv variable.
func (a Asterisk) ResolvePassword() (string, error) {
	return secret("asterisk: password", a.Password, a.PasswordEnv)
}

// ResolveToken returns Token, or else the value of the TokenEnv variable.
func (m Mattermost) ResolveToken() (string, error) {
	return secret("notify.mattermost: token", m.Token, m.TokenEnv)
}

// ResolveToken returns Token, or else the value of the TokenEnv variable. Without either,
// the admin API has no token and must not be served.
func (a Admin) ResolveToken() (string, error) {
	return secret("admin: token", a.Token, a.TokenEnv)
}

// CallerExtension is the extension a call comes from: the one whose endpoint the caller's
// channel is (channel "PJSIP/3000-0000001a" is endpoint PJSIP/3000's), which a phone
// cannot fake. The caller ID, which a phone chooses, counts only when the channel is no
// extension's endpoint (a trunk, the lab's shared SIPp endpoint) or names an extension of
// that very endpoint. spoofed reports a caller ID overruled by the endpoint.
func (f *File) CallerExtension(channelName, callerID string) (exten string, spoofed bool) {
	endpoint := channelName
	if i := strings.LastIndexByte(endpoint, '-'); i > 0 {
		endpoint = endpoint[:i]
	}
	if e, ok := f.Extensions[callerID]; ok && strings.EqualFold(e.Endpoint, endpoint) {
		return callerID, false
	}
	var exts []string
	for n, e := range f.Extensions {
		if strings.EqualFold(e.Endpoint, endpoint) {
			exts = append(exts, n)
		}
	}
	if len(exts) == 0 {
		return callerID, false
	}
	slices.Sort(exts)
	return exts[0], true
}

// TokenTooShort says why token is too short to be an admin token (MinAdminToken), or ""
// ("has 4 characters; ...", to follow the word token).
// The message never quotes the token.
func TokenTooShort(token string) string {
	if n := utf8.RuneCountInString(token); n > 0 && n < MinAdminToken {
		return fmt.Sprintf("has %d characters; use at least %d (random ones)", n, MinAdminToken)
	}
	return ""
}

// secret returns value, or the non-empty value of the environment variable env.
func secret(what, value, env string) (string, error) {
	if value != "" {
		return value, nil
	}
	if env == "" {
		return "", fmt.Errorf("config: %s is not configured", what)
	}
	if v := os.Getenv(env); v != "" {
		return v, nil
	}
	return "", fmt.Errorf("config: %s: environment variable %s is empty or unset", what, env)
}
