package config

import (
	"github.com/ariflow/ariflow/schedule"

	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// isDial reports whether s is a dial string: one or more of 0-9, * and #.
func isDial(s string) bool {
	return s != "" && strings.Trim(s, "0123456789*#") == ""
}

// isDigits reports whether s is one or more of 0-9.
func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// isName reports whether s is a usable name for a schedule, menu, queue, room or music
// class: letters, digits, '_', '-' and '.', as they become ARI identifiers.
func isName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !isAlnum(r) && r != '_' && r != '-' && r != '.' {
			return false
		}
	}
	return true
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// isEnvName reports whether s is a valid environment variable name.
func isEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, r := range s {
		if !isAlnum(r) && r != '_' {
			return false
		}
	}
	return true
}

// isEndpoint reports whether s looks like an Asterisk endpoint, TECH/resource.
func isEndpoint(s string) bool {
	tech, res, ok := strings.Cut(s, "/")
	if !ok || res == "" || !isEnvName(tech) || strings.ContainsAny(res, " \t") {
		return false
	}
	return tech[0] < '0' || tech[0] > '9'
}

// mediaSchemes are the media URI schemes ARI plays.
var mediaSchemes = []string{"sound:", "recording:", "digits:", "number:", "characters:", "tone:"}

// checkMedia returns what is wrong with a media URI, or "".
func checkMedia(s string) string {
	for _, p := range mediaSchemes {
		if strings.HasPrefix(s, p) && len(s) > len(p) && !strings.ContainsAny(s, " \t") {
			return ""
		}
	}
	return fmt.Sprintf("%q is not a media URI (sound:, recording:, digits:, number:, characters:, tone:)", s)
}

// checkHTTPURL returns what is wrong with an http(s) URL, or "".
func checkHTTPURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("%q is not an http(s) URL", s)
	}
	return ""
}

// checkHostPort returns what is wrong with a listen address host:port, or "".
func checkHostPort(s string) string {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Sprintf("%q is not host:port", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Sprintf("%q: port must be 1..65535", s)
	}
	return ""
}

// checkTemplate returns what is wrong with a {placeholder} template, or "".
func checkTemplate(s string, allowed ...string) string {
	rest := s
	for {
		i := strings.IndexAny(rest, "{}")
		if i < 0 {
			return ""
		}
		if rest[i] == '}' {
			return fmt.Sprintf("%q has a '}' without '{'", s)
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return fmt.Sprintf("%q has a '{' without '}'", s)
		}
		name := rest[i+1 : i+j]
		if !contains(allowed, name) {
			return fmt.Sprintf("%q: unknown placeholder {%s} (known: {%s})", s, name, strings.Join(allowed, "}, {"))
		}
		rest = rest[i+j+1:]
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkPeriod returns what is wrong with a schedule period, or "". Package schedule owns
// the syntax ("<days> HH:MM-HH:MM", "<days> [HH:MM,HH:MM)", overnight ranges), so the file
// is refused exactly when the schedule could not be built.
func checkPeriod(s string) string {
	p, err := schedule.ParsePeriod(s)
	if err != nil {
		return err.Error()
	}
	if p.End%60 == 59 {
		// The dialplan's GotoIfTime(17:00-23:59) includes its last minute; a period here
		// ends where it says, so a copied range would leave that minute out.
		end := (p.End + 1) % 1440
		if end == 0 {
			end = 1440
		}
		return fmt.Sprintf("%q leaves out the minute from %02d:59 (a period ends where it says); write %02d:%02d to include it",
			s, p.End/60, end/60, end%60)
	}
	return ""
}
