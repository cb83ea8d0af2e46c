#!/usr/bin/env bash
# lab/prompts.sh: generate the lab's custom prompts and hold music inside the root.
#
#   closed, service1, service2 -> /usr/share/asterisk/sounds/en/NAME.{wav,ulaw,alaw,gsm}
#                                 (so "sound:closed" / Playback(closed) plays them)
#   music class "musique"      -> /usr/share/asterisk/moh/attente/attente.{wav,ulaw,alaw,gsm}
#
# espeak-ng speaks the French text, sox converts to 8 kHz mono (sox -R -D: repeatable, no
# dither, so the output is the same on every run). The tools are the root's own, so the
# host needs neither. Nothing is regenerated when the stamp matches this script.
# Durations (lab/README.md lists them; integration tests reason about them) are printed.
set -euo pipefail

ROOT=${ARIFLOW_ROOT:-/var/cache/ariflow/sid-root}
SELF=$(readlink -f "$0")
[ "$(id -u)" = 0 ] || { echo "prompts.sh: must run as root (chroot)" >&2; exit 1; }
[ -x "$ROOT/usr/bin/espeak-ng" ] && [ -x "$ROOT/usr/bin/sox" ] ||
	{ echo "prompts.sh: $ROOT has no espeak-ng/sox; run lab/root.sh" >&2; exit 1; }

stamp=$(sha256sum "$SELF" | cut -c1-16)
stampfile=/usr/share/asterisk/sounds/en/.ariflow-prompts
if [ "${1:-}" != "--force" ] && [ "$(chroot "$ROOT" cat "$stampfile" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi

# Runs inside the root: paths below are the root's.
chroot "$ROOT" /bin/sh -s "$stamp" "$stampfile" <<'INROOT'
set -eu
stamp=$1 stampfile=$2
sounds=/usr/share/asterisk/sounds/en
moh=/usr/share/asterisk/moh/attente
work=$(mktemp -d /tmp/ariflow-prompts.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$sounds" "$moh"

# formats SRC DIR NAME: SRC (any wav) -> DIR/NAME.{wav,ulaw,alaw,gsm}, 8 kHz mono.
formats() {
	sox -R -D "$1" -r 8000 -c 1 -b 16 -e signed-integer "$2/$3.wav"
	sox -R -D "$2/$3.wav" -t ul "$2/$3.ulaw"
	sox -R -D "$2/$3.wav" -t al "$2/$3.alaw"
	sox -R -D "$2/$3.wav" -t gsm "$2/$3.gsm"
}

# say NAME TEXT: French speech, 150 words/min, a quarter second of silence after it.
say() {
	espeak-ng -v fr -s 150 -w "$work/$1.raw.wav" "$2"
	sox -R -D "$work/$1.raw.wav" "$work/$1.pad.wav" pad 0 0.25
	formats "$work/$1.pad.wav" "$sounds" "$1"
}

say closed "Le bureau est fermé. Laissez un message après le bip."
say service1 "Pour le service commercial, tapez 1."
say service2 "Pour le support technique, tapez 2."

# Hold music for class "musique": a slow plucked arpeggio, 12 s, looped by Asterisk.
i=0
for note in C4 E4 G4 C5 G4 E4 A3 C4 E4 A4 E4 C4 F3 A3 C4 F4 C4 A3 G3 B3 D4 G4 D4 B3; do
	sox -R -D -n -r 8000 -c 1 -b 16 "$work/n$(printf %02d $i).wav" synth 0.5 pluck "$note" fade 0 0.5 0.1 vol 0.5
	i=$((i + 1))
done
sox -R -D "$work"/n*.wav "$work/attente.wav"
formats "$work/attente.wav" "$moh" attente

echo "$stamp" >"$stampfile"
for f in "$sounds/closed.wav" "$sounds/service1.wav" "$sounds/service2.wav" "$moh/attente.wav"; do
	printf 'prompts.sh: %-40s %s s\n' "$f" "$(soxi -D "$f")"
done
INROOT
