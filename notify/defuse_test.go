package notify_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/ariflow/ariflow/notify"
)

func TestDefuse(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain number", "0601020304", "0601020304"},
		{"international", "+33 6 01", `\+33 6 01`},
		{"empty", "", ""},
		{"mention and link", "@channel [x](http://evil)", `＠channel \[x\]\(http\://evil\)`},
		{"here all user", "@here @all @someone", "＠here ＠all ＠someone"},
		{"autolink www", "www.evil.com", `www\.evil\.com`},
		{"email", "a@b.fr", `a＠b\.fr`},
		{"markdown", "*b* _i_ `c` # ~town <x> | ! {} & $", `\*b\* \_i\_ \` + "`" + `c\` + "`" + ` \# \~town \<x\> \| \! \{\} \& \$`},
		{"backslash", `a\b`, `a\\b`},
		{"controls", "a\x00b\x1b[31mc\x7fd", `ab\[31mcd`},
		{"line breaks become one space", "  a\r\n\tb\u2028c  ", "a b c"},
		{"format characters", "@\u200bchannel \u202eevil", "＠channel evil"},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
		{"accents kept", "Gaëlle Müller", "Gaëlle Müller"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := notify.Defuse(tc.in); got != tc.want {
				t.Errorf("Defuse(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestDefuseCapsLength(t *testing.T) {
	huge := strings.Repeat("é", 10_000)
	got := notify.Defuse(huge)
	if n := utf8.RuneCountInString(got); n != notify.MaxFieldRunes {
		t.Errorf("10 kB name kept %d runes, want %d", n, notify.MaxFieldRunes)
	}
	if !strings.HasSuffix(got, "…") {
		t.Errorf("capped value does not end with …: %q", got)
	}
	exact := strings.Repeat("a", notify.MaxFieldRunes)
	if got := notify.Defuse(exact); got != exact {
		t.Errorf("a value of exactly MaxFieldRunes was changed: %q", got)
	}
	// Escapes are added after the cut: a cut never splits "\(".
	got = notify.Defuse(strings.Repeat("(", 10_000))
	if want := strings.Repeat(`\(`, notify.MaxFieldRunes-1) + "…"; got != want {
		t.Errorf("capped specials = %q, want %q", got, want)
	}
}

// checkDefused asserts what Defuse promises, for the fuzz target and the tests.
func checkDefused(t *testing.T, in, out string) {
	t.Helper()
	switch {
	case !utf8.ValidString(out):
		t.Fatalf("Defuse(%q) = %q: invalid UTF-8", in, out)
	case strings.Contains(out, "@"):
		t.Fatalf("Defuse(%q) = %q: contains '@' (a mention)", in, out)
	case strings.Contains(out, "]("):
		t.Fatalf("Defuse(%q) = %q: contains a Markdown link", in, out)
	case strings.Count(out, "://") != strings.Count(out, `\://`):
		t.Fatalf("Defuse(%q) = %q: contains an autolink scheme", in, out)
	case utf8.RuneCountInString(out) > 2*notify.MaxFieldRunes:
		t.Fatalf("Defuse(%q) = %q: too long", in, out)
	}
	for _, r := range out {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Fatalf("Defuse(%q) = %q: control or format character %U", in, out, r)
		}
	}
}

func FuzzDefuse(f *testing.F) {
	for _, s := range []string{"@channel [x](http://evil)", "0601020304", "\x00@\u200bhere", "https://x.y/z", "](", "@@channel", strings.Repeat("@", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkDefused(t, in, notify.Defuse(in))
	})
}
