#!/usr/bin/env bash
# lab/root.sh: make sure this machine can run the lab.
#
#  - host packages: debootstrap, sip-tester (sipp), sox, curl, chromium (apt-get, only when missing);
#  - a Debian sid root with Asterisk 22 at $ARIFLOW_ROOT (default /var/cache/ariflow/sid-root),
#    complete when $ARIFLOW_ROOT/.ariflow-root-ok exists.
#
# Idempotent: with the marker present it only re-checks the cheap fix-ups (/etc/hosts, spool).
# A root without the marker that already has Asterisk and the packages installed is adopted
# (fixed up and marked) instead of rebuilt. Otherwise the root is built in a temporary
# directory beside it (debootstrap + apt-get, about a minute) and renamed into place.
#
# Environment: ARIFLOW_ROOT, ARIFLOW_DEBIAN_MIRROR (default http://deb.debian.org/debian),
#              ARIFLOW_ROOT_REBUILD=1 to throw the root away and build it again.
set -euo pipefail

ROOT=${ARIFLOW_ROOT:-/var/cache/ariflow/sid-root}
MIRROR=${ARIFLOW_DEBIAN_MIRROR:-http://deb.debian.org/debian}
MARKER=.ariflow-root-ok
# What the lab needs inside the root. asterisk-core-sounds-en-gsm exists too, but the wav
# prompts are enough (Asterisk transcodes) and keep a fresh root identical to an adopted one.
ROOT_PACKAGES=(asterisk asterisk-core-sounds-en-wav asterisk-moh-opsound-wav sox espeak-ng)
APT_OPTS=(-o Acquire::Check-Valid-Until=false -o Acquire::Retries=3)

log() { printf 'root.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot, mount)"

# --- host packages ----------------------------------------------------------------------
host_packages() {
	local missing=()
	command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
	command -v sipp >/dev/null 2>&1 || missing+=(sip-tester)
	command -v sox >/dev/null 2>&1 || missing+=(sox)
	command -v curl >/dev/null 2>&1 || missing+=(curl)
	# chromium: the admin page's browser test (with its recommended fonts, so not in the
	# --no-install-recommends list below).
	if ! command -v chromium >/dev/null 2>&1; then
		log "installing host package: chromium"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium ||
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	fi
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing host packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# apt-get update only when needed: no package lists yet, or the install fails with the old ones.
	if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then
		apt-get update -qq
	fi
	if ! apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}"
	fi
}

# --- helpers for roots --------------------------------------------------------------------
# mounts_under DIR: mount points at or below DIR (deepest first).
mounts_under() {
	local dir
	dir=$(realpath -m "$1")
	awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r
}

unmount_all_under() {
	local m
	for m in $(mounts_under "$1"); do
		umount "$m" 2>/dev/null || umount -l "$m" || true
	done
}

# remove_tree DIR: rm -rf that refuses to cross into mounted file systems (a bind-mounted
# /dev or /proc inside a root must never be emptied).
remove_tree() {
	local dir=$1
	[ -e "$dir" ] || return 0
	unmount_all_under "$dir"
	if [ -n "$(mounts_under "$dir")" ]; then
		die "$dir still has mounts below it; not removing it"
	fi
	rm -rf --one-file-system -- "$dir"
}

# root_has_packages DIR: Asterisk binary present and every package installed.
root_has_packages() {
	local dir=$1 p status
	[ -x "$dir/usr/sbin/asterisk" ] || return 1
	for p in "${ROOT_PACKAGES[@]}"; do
		status=$(chroot "$dir" dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || return 1
		[ "$status" = "install ok installed" ] || return 1
	done
}

# fix_up DIR: the cheap, always re-applied part (see lab/README.md "Gotchas").
fix_up() {
	local dir=$1 host
	host=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)
	# Without this, Asterisk's host name look-up stalls every new RTP stream.
	local want="127.0.0.1 localhost $host
::1 localhost ip6-localhost ip6-loopback"
	if [ "$(cat "$dir/etc/hosts" 2>/dev/null)" != "$want" ]; then
		printf '%s\n' "$want" >"$dir/etc/hosts"
	fi
	# ARI's record requests fail with 500 when this is missing.
	mkdir -p "$dir/var/spool/asterisk/recording"
}

write_marker() {
	local dir=$1 version
	version=$(chroot "$dir" dpkg-query -W -f='${Version}' asterisk 2>/dev/null || echo unknown)
	printf 'asterisk %s\nmarked %s by lab/root.sh\n' "$version" "$(date -u +%FT%TZ)" >"$dir/$MARKER"
}

# root_in_use DIR: something is mounted below DIR or a process runs inside it.
root_in_use() {
	local dir pid
	dir=$(realpath -m "$1")
	[ -n "$(mounts_under "$dir")" ] && return 0
	for pid in /proc/[0-9]*; do
		[ "$(readlink "$pid/root" 2>/dev/null)" = "$dir" ] && return 0
	done
	return 1
}

build_root() {
	local tmp=$1
	command -v debootstrap >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
	log "building a Debian sid root in $tmp (debootstrap, then apt-get install ${ROOT_PACKAGES[*]})"
	debootstrap --variant=minbase --include=ca-certificates sid "$tmp" "$MIRROR" >"$tmp.debootstrap.log" 2>&1 ||
		{ tail -n 30 "$tmp.debootstrap.log" >&2; die "debootstrap failed (log: $tmp.debootstrap.log)"; }
	local d
	for d in proc sys dev; do mount --bind "/$d" "$tmp/$d"; done
	cp -L /etc/resolv.conf "$tmp/etc/resolv.conf"
	chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" -qq update
	chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" -qq install -y \
		--no-install-recommends "${ROOT_PACKAGES[@]}" >"$tmp.apt.log" 2>&1 ||
		{ tail -n 30 "$tmp.apt.log" >&2; die "apt-get install in the root failed (log: $tmp.apt.log)"; }
	chroot "$tmp" apt-get clean
	unmount_all_under "$tmp"
	rm -f "$tmp.debootstrap.log" "$tmp.apt.log"
}

# --- main -----------------------------------------------------------------------------------
host_packages

if [ "${ARIFLOW_ROOT_REBUILD:-0}" = 1 ] && [ -e "$ROOT" ]; then
	if root_in_use "$ROOT"; then
		die "ARIFLOW_ROOT_REBUILD=1 but $ROOT is in use (mounted or running); run lab/asterisk.sh stop first"
	fi
	log "ARIFLOW_ROOT_REBUILD=1: removing $ROOT"
	rm -f "$ROOT/$MARKER"
	remove_tree "$ROOT"
fi

if [ -f "$ROOT/$MARKER" ]; then
	fix_up "$ROOT"
	exit 0
fi

if [ -d "$ROOT" ] && root_has_packages "$ROOT"; then
	log "adopting the existing root $ROOT (Asterisk and packages present)"
	fix_up "$ROOT"
	write_marker "$ROOT"
	log "root ready: $(head -n1 "$ROOT/$MARKER")"
	exit 0
fi

if [ -e "$ROOT" ] && root_in_use "$ROOT"; then
	die "$ROOT is incomplete (no $MARKER, packages missing) but in use (mounted or running); stop what uses it, then run again"
fi
parent=$(dirname "$ROOT")
mkdir -p "$parent"
tmp="$parent/.$(basename "$ROOT").build.$$"
trap 'unmount_all_under "$tmp"; rm -rf --one-file-system -- "$tmp" "$tmp".*.log 2>/dev/null || true' EXIT
build_root "$tmp"
fix_up "$tmp"
write_marker "$tmp"
if [ -e "$ROOT" ]; then
	log "replacing the incomplete root $ROOT"
	old="$parent/.$(basename "$ROOT").old.$$"
	mv "$ROOT" "$old"
	mv "$tmp" "$ROOT"
	remove_tree "$old"
else
	mv "$tmp" "$ROOT"
fi
trap - EXIT
log "root ready: $(head -n1 "$ROOT/$MARKER")"
