package notify

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxFieldRunes is how many runes of one untrusted value are kept (the last one becomes "…").
const MaxFieldRunes = 64

// markdownSpecials are escaped with a backslash. Beyond Markdown's own (\ ` * _ { } [ ] ( )
// # + - . ! | < > ~), ':' breaks autolinks ("http\://") and emoji, '&' entities ("&#64;"),
// '$' inline LaTeX. All are ASCII punctuation, which CommonMark lets a backslash escape.
const markdownSpecials = "\\`*_{}[]()#+-.!|<>~:&$"

// fullwidthAt replaces '@' in untrusted text. Mentions (@channel, @here, @all, @user) and
// e-mail autolinks need an ASCII '@'; U+FF20 looks the same to a reader but matches no
// mention, and unlike a zero-width space after '@', it cannot be lost by a client or a
// copy-paste that strips invisible characters.
const fullwidthAt = '＠'

// Defuse makes one untrusted value (a caller's number or name: they come from the network)
// inert in a Mattermost message, before it is put into a template:
//   - invalid UTF-8 becomes U+FFFD; control and format characters (bidi overrides,
//     zero-width) are removed, line breaks and tabs become one space, spaces are trimmed;
//   - the value is capped at MaxFieldRunes runes, ending with "…" when cut;
//   - Markdown specials are escaped with a backslash, so no link, image, emphasis, code,
//     heading, hashtag, channel link or HTML is formed, and "http://x" is not autolinked;
//   - '@' becomes '＠' (U+FF20), so "@channel" pings nobody.
//
// Mattermost renders the escapes invisibly; plain-text views (push notifications) may show
// the backslashes. That is the price of never letting a caller format or ping.
func Defuse(s string) string {
	clean := make([]rune, 0, min(len(s), 4*MaxFieldRunes))
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case unicode.IsSpace(r):
			space = len(clean) > 0
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		}
		if space {
			clean = append(clean, ' ')
			space = false
		}
		clean = append(clean, r) // utf8.RuneError for invalid bytes
		if len(clean) > MaxFieldRunes {
			clean = append(clean[:MaxFieldRunes-1], '…')
			break
		}
	}
	var b strings.Builder
	b.Grow(2 * len(clean))
	for _, r := range clean {
		switch {
		case r == '@':
			b.WriteRune(fullwidthAt)
		case r < utf8.RuneSelf && strings.IndexByte(markdownSpecials, byte(r)) >= 0:
			b.WriteByte('\\')
			b.WriteByte(byte(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
