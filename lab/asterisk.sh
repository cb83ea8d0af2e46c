#!/usr/bin/env bash
# lab/asterisk.sh: run the lab's Asterisk (Debian sid root, see lab/root.sh).
#
#   lab/asterisk.sh start      bind /proc /sys /dev into the root (when not mounted yet), install
#                              lab/asterisk/*.conf as /etc/ariflow-lab and the prompts, start
#                              Asterisk, wait until ARI answers. Already running: re-install
#                              changed configs and prompts, then "core reload".
#   lab/asterisk.sh stop       "core stop now", kill if needed, unmount what start mounted.
#   lab/asterisk.sh restart    stop + start.
#   lab/asterisk.sh status     running or not, ARI answer; exit 0 only when ARI answers.
#   lab/asterisk.sh cli CMD..  one CLI command (asterisk -rx) in the running Asterisk.
#   lab/asterisk.sh hangup-all "channel request hangup all" (cleanup after a failed run).
#   lab/asterisk.sh log [N]    the last N (100) lines of Asterisk's log.
#   lab/asterisk.sh env        the lab's settings as shell assignments.
#
# Environment: ARIFLOW_ROOT (default /var/cache/ariflow/sid-root),
#              ARIFLOW_LAB_DIR (default /var/cache/ariflow/lab: pid, mounts, console log).
# Safe to run repeatedly (make test, CI); must run as root.
set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=${ARIFLOW_ROOT:-/var/cache/ariflow/sid-root}
LAB_DIR=${ARIFLOW_LAB_DIR:-/var/cache/ariflow/lab}

# Fixed by docs/DESIGN.md "The lab"; lab/asterisk/*.conf must agree.
ARI_URL=http://127.0.0.1:18088/ari
ARI_USER=ariflow
ARI_PASSWORD=ariflow-lab
ARI_APP=ariflow
SIP_ADDR=127.0.0.1:15060

CONF_DIR=/etc/ariflow-lab                 # inside the root
CONF=$CONF_DIR/asterisk.conf
RUN_DIR=/run/ariflow-lab                  # inside the root: asterisk.ctl, asterisk.pid
LOG_FILE=/var/log/ariflow-lab/messages.log  # inside the root
START_TIMEOUT=${ARIFLOW_LAB_START_TIMEOUT:-60}

log() { printf 'asterisk.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (chroot, mount)"

root_ready() {
	[ -f "$ROOT/.ariflow-root-ok" ] || die "no lab root at $ROOT (marker .ariflow-root-ok missing): run lab/root.sh"
}

# asterisk_pid: the pid of the lab's Asterisk, or nothing. The pid file is Asterisk's own;
# the process must be an asterisk whose root is ours (pids get reused).
asterisk_pid() {
	local pid
	pid=$(cat "$ROOT$RUN_DIR/asterisk.pid" 2>/dev/null || cat "$LAB_DIR/asterisk.pid" 2>/dev/null || true)
	[ -n "$pid" ] && [ -d "/proc/$pid" ] || return 0
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = asterisk ] || return 0
	[ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$(realpath "$ROOT")" ] || return 0
	echo "$pid"
}

ari_ok() {
	curl -fsS -o /dev/null --max-time 3 -u "$ARI_USER:$ARI_PASSWORD" "$ARI_URL/asterisk/info" 2>/dev/null
}

rx() {
	chroot "$ROOT" /usr/sbin/asterisk -C "$CONF" -rx "$*"
}

log_tail() {
	local n=${1:-40}
	if [ -f "$ROOT$LOG_FILE" ]; then
		log "last lines of $ROOT$LOG_FILE:"
		tail -n "$n" "$ROOT$LOG_FILE" >&2
	fi
	if [ -s "$LAB_DIR/console.log" ]; then
		log "last lines of $LAB_DIR/console.log:"
		tail -n "$n" "$LAB_DIR/console.log" >&2
	fi
}

# mount_binds: bind /proc /sys /dev into the root when they are not mounted there yet; the
# mount points this script made are listed (absolute) in $LAB_DIR/mounts for stop.
mount_binds() {
	local d m
	mkdir -p "$LAB_DIR"
	for d in proc sys dev; do
		m=$(realpath "$ROOT")/$d
		if ! mountpoint -q "$m"; then
			mount --bind "/$d" "$m"
			grep -qxF "$m" "$LAB_DIR/mounts" 2>/dev/null || echo "$m" >>"$LAB_DIR/mounts"
		fi
	done
}

# other_users: processes (other than PID $1) running inside the root, e.g. another Asterisk.
other_users() {
	local skip=${1:-} root p pid
	root=$(realpath "$ROOT")
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" = "$skip" ] && continue
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "$pid"
	done
	return 0
}

unmount_binds() {
	[ -f "$LAB_DIR/mounts" ] || return 0
	local users m keep=()
	users=$(other_users)
	if [ -n "$users" ]; then
		log "not unmounting: other processes run inside $ROOT (pids: $(echo $users))"
		return 0
	fi
	while read -r m; do
		[ -n "$m" ] || continue
		case $m in
		"$(realpath "$ROOT")"/*) ;;
		*) keep+=("$m"); continue ;; # another root's
		esac
		if mountpoint -q "$m"; then
			umount "$m" 2>/dev/null || umount -l "$m" || { log "could not unmount $m"; keep+=("$m"); }
		fi
	done < <(tac "$LAB_DIR/mounts")
	if [ ${#keep[@]} -gt 0 ]; then
		printf '%s\n' "${keep[@]}" >"$LAB_DIR/mounts"
	else
		rm -f "$LAB_DIR/mounts"
	fi
}

# conf_stamp: a digest of lab/asterisk/*.conf; installed next to the configs.
conf_stamp() {
	(cd "$HERE/asterisk" && sha256sum ./*.conf) | sha256sum | cut -c1-16
}

install_configs() {
	local tmp=$ROOT$CONF_DIR.new
	rm -rf "$tmp"
	mkdir -p "$tmp"
	cp "$HERE"/asterisk/*.conf "$tmp/"
	# Modules live under the multiarch directory of the root's architecture.
	local moddir
	moddir=$(cd "$ROOT" && ls -d usr/lib/*/asterisk/modules 2>/dev/null | head -n1)
	[ -n "$moddir" ] && sed -i "s|^astmoddir => .*|astmoddir => /$moddir|" "$tmp/asterisk.conf"
	conf_stamp >"$tmp/.stamp"
	rm -rf "$ROOT$CONF_DIR"
	mv "$tmp" "$ROOT$CONF_DIR"
	mkdir -p "$ROOT$RUN_DIR" "$ROOT/var/lib/ariflow-lab" "$ROOT$(dirname "$LOG_FILE")" \
		"$ROOT/var/spool/asterisk/recording" "$ROOT/var/lib/asterisk/keys"
	"$HERE/prompts.sh" >/dev/null
}

port_owner() { # port_owner PROTO PORT: the ss line of whoever listens there
	command -v ss >/dev/null 2>&1 || return 0
	ss -H -lnp"$1" "sport = :$2" 2>/dev/null | head -n1
}

start() {
	root_ready
	"$HERE/root.sh" # cheap when the root is marked: /etc/hosts and spool fix-ups only
	mkdir -p "$LAB_DIR"
	local pid
	pid=$(asterisk_pid)
	if [ -n "$pid" ]; then
		mount_binds
		if [ "$(cat "$ROOT$CONF_DIR/.stamp" 2>/dev/null)" = "$(conf_stamp)" ]; then
			"$HERE/prompts.sh" >/dev/null
			wait_ready "$pid"
			log "already running (pid $pid), configs unchanged"
			return 0
		fi
		install_configs
		rx "core reload" >/dev/null
		wait_ready "$pid"
		log "already running (pid $pid): configs changed, re-installed, core reload done"
		return 0
	fi
	local p
	for p in "t 18088" "u 15060"; do
		set -- $p
		if [ -n "$(port_owner "$1" "$2")" ]; then
			die "port $2 is taken by something else: $(port_owner "$1" "$2")"
		fi
	done
	mount_binds
	install_configs
	rm -f "$ROOT$RUN_DIR/asterisk.pid" "$ROOT$RUN_DIR/asterisk.ctl"
	: >"$LAB_DIR/console.log"
	ln -sfn "$ROOT$LOG_FILE" "$LAB_DIR/asterisk.log"
	{
		echo "=== $(date -u +%FT%TZ) start"
	} >>"$ROOT$LOG_FILE"
	# -f: stay in the foreground (this is the process we track), detached from our stdio and
	# session so callers (Go tests, make) are never kept waiting on it.
	setsid nohup chroot "$ROOT" /usr/sbin/asterisk -f -n -C "$CONF" -vvv \
		</dev/null >>"$LAB_DIR/console.log" 2>&1 &
	echo $! >"$LAB_DIR/asterisk.pid"
	wait_ready "$!"
	log "started (pid $(asterisk_pid)): ARI $ARI_URL ($ARI_USER/$ARI_PASSWORD, app $ARI_APP), SIP udp:$SIP_ADDR, log $ROOT$LOG_FILE"
}

wait_ready() {
	local pid=$1 deadline=$((SECONDS + START_TIMEOUT)) booted=
	while [ $SECONDS -lt $deadline ]; do
		if ! [ -d "/proc/$pid" ]; then
			log_tail 40
			die "Asterisk exited during start-up (see the log above)"
		fi
		if timeout 10 chroot "$ROOT" /usr/sbin/asterisk -C "$CONF" -rx "core waitfullybooted" >/dev/null 2>&1; then
			ari_ok && return 0
			# Fully booted but no ARI: a module failed to load; no use waiting a minute.
			[ -n "$booted" ] || booted=$SECONDS
			if [ $((SECONDS - booted)) -ge 10 ]; then
				log_tail 40
				die "Asterisk is up (pid $pid) but ARI does not answer $ARI_URL/asterisk/info (res_ari not loaded? see the log above; lab/asterisk.sh stop to clean up)"
			fi
		fi
		sleep 0.5
	done
	log_tail 40
	die "ARI did not answer $ARI_URL/asterisk/info within ${START_TIMEOUT}s (Asterisk pid $pid still running; lab/asterisk.sh stop to clean up)"
}

stop() {
	local pid i
	pid=$(asterisk_pid)
	if [ -n "$pid" ]; then
		timeout 15 chroot "$ROOT" /usr/sbin/asterisk -C "$CONF" -rx "core stop now" >/dev/null 2>&1 || true
		for i in $(seq 1 100); do [ -d "/proc/$pid" ] || break; sleep 0.2; done
		if [ -d "/proc/$pid" ]; then
			log "Asterisk (pid $pid) still running after core stop now: SIGTERM"
			kill -TERM "$pid" 2>/dev/null || true
			for i in $(seq 1 25); do [ -d "/proc/$pid" ] || break; sleep 0.2; done
		fi
		if [ -d "/proc/$pid" ]; then
			log "Asterisk (pid $pid) still running: SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			for i in $(seq 1 25); do [ -d "/proc/$pid" ] || break; sleep 0.2; done
		fi
		[ -d "/proc/$pid" ] && die "Asterisk (pid $pid) did not exit"
		log "stopped (pid $pid)"
	fi
	rm -f "$LAB_DIR/asterisk.pid" "$ROOT$RUN_DIR/asterisk.pid"
	unmount_binds
}

status() {
	local pid
	pid=$(asterisk_pid)
	if [ -z "$pid" ]; then
		echo "asterisk: not running (root $ROOT)"
		return 1
	fi
	if ari_ok; then
		echo "asterisk: running, pid $pid, ARI $ARI_URL answers; SIP udp:$SIP_ADDR; log $ROOT$LOG_FILE"
		rx "core show uptime" 2>/dev/null | sed 's/^/  /'
		return 0
	fi
	echo "asterisk: running, pid $pid, but ARI $ARI_URL does not answer"
	return 1
}

need_running() {
	[ -n "$(asterisk_pid)" ] || die "the lab's Asterisk is not running: lab/asterisk.sh start"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
start) start ;;
stop) stop ;;
restart) stop; start ;;
status) status ;;
cli)
	[ $# -gt 0 ] || die 'usage: lab/asterisk.sh cli "core show channels"'
	need_running
	rx "$*"
	;;
hangup-all) need_running; rx "channel request hangup all" ;;
log) tail -n "${1:-100}" "$ROOT$LOG_FILE" ;;
env)
	cat <<ENV
ARIFLOW_ROOT=$ROOT
ARIFLOW_LAB_DIR=$LAB_DIR
ARI_URL=$ARI_URL
ARI_USER=$ARI_USER
ARI_PASSWORD=$ARI_PASSWORD
ARI_APP=$ARI_APP
SIP_ADDR=$SIP_ADDR
ASTERISK_LOG=$ROOT$LOG_FILE
RECORDING_DIR=$ROOT/var/spool/asterisk/recording
ENV
	;;
*)
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
	exit 2
	;;
esac
