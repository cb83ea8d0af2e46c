package config

import (
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

// weekdays in order, as written in periods.
var weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// checkPeriod returns what is wrong with a schedule period, or "". Forms:
// "<days> HH:MM-HH:MM" and "<days> [HH:MM,HH:MM)". Days: "*", or a comma list of days and
// forward ranges ("mon-fri,sun"). An end before the start is an overnight range; 24:00 may
// only end a range; equal start and end is refused.
func checkPeriod(s string) string {
	days, times, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return fmt.Sprintf("period %q: want \"<days> HH:MM-HH:MM\", e.g. \"mon-fri 09:00-17:00\"", s)
	}
	if msg := checkDays(days); msg != "" {
		return fmt.Sprintf("period %q: %s", s, msg)
	}
	times = strings.TrimSpace(times)
	if inner, ok := strings.CutPrefix(times, "["); ok {
		inner, ok := strings.CutSuffix(inner, ")")
		from, to, ok2 := strings.Cut(inner, ",")
		if !ok || !ok2 {
			return fmt.Sprintf("period %q: want \"[HH:MM,HH:MM)\" after the days", s)
		}
		return checkRange(s, strings.TrimSpace(from), strings.TrimSpace(to))
	}
	from, to, ok := strings.Cut(times, "-")
	if !ok {
		return fmt.Sprintf("period %q: want \"HH:MM-HH:MM\" after the days", s)
	}
	return checkRange(s, from, to)
}

func checkRange(s, from, to string) string {
	a, msg := minutes(from)
	if msg == "" && a == 24*60 {
		msg = "24:00 can only end a range"
	}
	if msg != "" {
		return fmt.Sprintf("period %q: %s", s, msg)
	}
	b, msg := minutes(to)
	if msg != "" {
		return fmt.Sprintf("period %q: %s", s, msg)
	}
	if a == b {
		return fmt.Sprintf("period %q: start and end are equal", s)
	}
	return ""
}

// minutes parses HH:MM (00:00..24:00) into minutes after midnight.
func minutes(hm string) (int, string) {
	if len(hm) != 5 || hm[2] != ':' || !isDigits(hm[:2]) || !isDigits(hm[3:]) {
		return 0, fmt.Sprintf("%q is not a time HH:MM", hm)
	}
	h, _ := strconv.Atoi(hm[:2])
	m, _ := strconv.Atoi(hm[3:])
	if h > 24 || m > 59 || h == 24 && m != 0 {
		return 0, fmt.Sprintf("%q is not a time between 00:00 and 24:00", hm)
	}
	return h*60 + m, ""
}

func checkDays(days string) string {
	if days == "*" {
		return ""
	}
	for _, part := range strings.Split(days, ",") {
		from, to, isRange := strings.Cut(part, "-")
		a, b := dayIndex(from), dayIndex(to)
		switch {
		case a < 0:
			return fmt.Sprintf("%q is not a day (mon tue wed thu fri sat sun, or *)", from)
		case !isRange:
		case b < 0:
			return fmt.Sprintf("%q is not a day (mon tue wed thu fri sat sun, or *)", to)
		case b <= a:
			return fmt.Sprintf("day range %q must run forward (mon..sun)", part)
		}
	}
	return ""
}

func dayIndex(s string) int {
	for i, d := range weekdays {
		if s == d {
			return i
		}
	}
	return -1
}
