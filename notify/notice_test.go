package notify_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ariflow/ariflow/notify"
)

func TestRender(t *testing.T) {
	var def notify.Templates
	tests := []struct {
		name string
		tmpl notify.Templates
		n    notify.Notice
		want string
	}{
		{"seed call", def, notify.Call{Caller: "0601020304", CallerName: "Alice", Exten: "1000"},
			"Message en provenance de 0601020304 pour 1000"},
		{"anonymous call", def, notify.Call{Exten: "1000"}, "Message en provenance de inconnu pour 1000"},
		{"missed", def, notify.Missed{Caller: "2000", Exten: "3000"}, "Appel manqué de 2000 pour 3000"},
		{"absence on", def, notify.Absence{Exten: "1000", On: true}, "Absence activé pour 1000"},
		{"absence off", def, notify.Absence{Exten: "1000"}, "Absence désactivé pour 1000"},
		{"voicemail", def, notify.Voicemail{Box: "1000", Caller: "2000", Duration: 65 * time.Second},
			"Nouveau message de 2000 pour 1000 (1 min 05 s)"},
		{"voicemail link appended", def, notify.Voicemail{Box: "1000", Caller: "2000", Duration: 42 * time.Second, Link: "https://pbx/vm/1"},
			"Nouveau message de 2000 pour 1000 (42 s)\nhttps://pbx/vm/1"},
		{"voicemail link placed", notify.Templates{Voicemail: "[écouter]({link}) {box}"},
			notify.Voicemail{Box: "1000", Link: "https://pbx/vm/1"}, "[écouter](https://pbx/vm/1) 1000"},
		{"custom with name and unknown placeholder", notify.Templates{Call: "**{caller_name}** ({caller}) -> {exten} {nope}"},
			notify.Call{Caller: "2000", CallerName: "Bob", Exten: "1000"}, "**Bob** (2000) -> 1000 {nope}"},
		{"absence by", notify.Templates{Absence: "{exten}: {state} par {by}"}, notify.Absence{Exten: "1000", On: true, By: "admin"},
			"1000: activé par admin"},
		{"no template engine", notify.Templates{Call: "{{.Caller}} {caller}"}, notify.Call{Caller: "{exten}", Exten: "1000"},
			`{{.Caller}} \{exten\}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.tmpl.Render(tc.n); got != tc.want {
				t.Errorf("Render = %q, want %q", got, tc.want)
			}
		})
	}
}

// sampleNotices has one notice of each kind with every field set.
var sampleNotices = []notify.Notice{
	notify.Call{Caller: "2000", CallerName: "Bob", Exten: "1000"},
	notify.Missed{Caller: "2000", CallerName: "Bob", Exten: "1000"},
	notify.Absence{Exten: "1000", On: true, By: "admin"},
	notify.Voicemail{Box: "1000", Caller: "2000", CallerName: "Bob", Duration: 65 * time.Second, Link: "https://pbx/vm/1"},
}

func TestRenderTime(t *testing.T) {
	at := time.Date(2025, 3, 14, 14, 5, 59, 0, time.FixedZone("CET", 3600))
	for _, n := range sampleNotices {
		tmpl := notify.Templates{Call: "à {time}", Missed: "à {time}", Absence: "à {time}", Voicemail: "à {time} {link}"}
		want := "à 14:05"
		if n.Kind() == notify.KindVoicemail {
			want += " https://pbx/vm/1"
		}
		if got := tmpl.RenderAt(n, at); got != want {
			t.Errorf("%s: RenderAt = %q, want %q", n.Kind(), got, want)
		}
		if got := tmpl.RenderAt(n, at.UTC()); !strings.HasPrefix(got, "à 13:05") {
			t.Errorf("%s: RenderAt in UTC = %q, want the time in the given location, 13:05", n.Kind(), got)
		}
	}
}

// A template may use exactly the placeholders its kind fills (package config refuses the
// others): each of Placeholders(kind) is replaced, any other name stays as written.
func TestPlaceholdersFilled(t *testing.T) {
	var all []string
	for _, n := range sampleNotices {
		for _, name := range notify.Placeholders(n.Kind()) {
			if !slices.Contains(all, name) {
				all = append(all, name)
			}
		}
	}
	at := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	for _, n := range sampleNotices {
		allowed := notify.Placeholders(n.Kind())
		if len(allowed) == 0 || !slices.Contains(allowed, "time") {
			t.Errorf("%s: Placeholders = %v, want names with time", n.Kind(), allowed)
		}
		for _, name := range all {
			tmpl := "{" + name + "}"
			got := notify.Templates{Call: tmpl, Missed: tmpl, Absence: tmpl, Voicemail: tmpl + "{link}"}.RenderAt(n, at)
			filled := !strings.Contains(got, tmpl)
			if want := slices.Contains(allowed, name); filled != want {
				t.Errorf("%s: {%s} rendered %q: filled %v, want %v (Placeholders %v)", n.Kind(), name, got, filled, want, allowed)
			}
			if filled && got == "" {
				t.Errorf("%s: {%s} rendered empty", n.Kind(), name)
			}
		}
	}
}

func TestRenderHostileCaller(t *testing.T) {
	msg := notify.Templates{}.Render(notify.Call{Caller: "@channel [x](http://evil)", CallerName: strings.Repeat("A", 10_000), Exten: "1000"})
	want := `Message en provenance de ＠channel \[x\]\(http\://evil\) pour 1000`
	if msg != want {
		t.Fatalf("got %q, want %q", msg, want)
	}
	for _, bad := range []string{"@channel", "](", "http://", "[x]("} {
		if strings.Contains(msg, bad) {
			t.Errorf("message %q contains %q", msg, bad)
		}
	}
	named := notify.Templates{Call: "{caller_name}"}.Render(notify.Call{CallerName: strings.Repeat("A", 10_000) + "\x00\n"})
	if len(named) > 4*notify.MaxFieldRunes {
		t.Errorf("10 kB caller name not capped: %d bytes", len(named))
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0 s", 3400 * time.Millisecond: "3 s", time.Minute: "1 min 00 s",
		754 * time.Second: "12 min 34 s", -time.Second: "0 s"} {
		if got := notify.FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	tmpl := notify.Templates{}
	b.Run("plain", func(b *testing.B) {
		n := notify.Call{Caller: "0601020304", CallerName: "Alice Martin", Exten: "1000"}
		for b.Loop() {
			_ = tmpl.Render(n)
		}
	})
	b.Run("hostile", func(b *testing.B) {
		n := notify.Call{Caller: "@channel [x](http://evil) *" + strings.Repeat("é", 200), CallerName: strings.Repeat("\x00@", 5000), Exten: "1000"}
		for b.Loop() {
			_ = tmpl.Render(n)
		}
	})
}
