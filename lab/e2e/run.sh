#!/usr/bin/env bash
# make e2e on the chroot lab: holds the lab lock for the whole run, starts the Mattermost
# stand-in and ariflow (lab/e2e/routing.yaml, a temporary database), waits until the app is
# connected, plays the suite (bin/ariflow-e2e, flags and E2E_* variables pass through), and
# always stops both. The lab must be up (make lab-up) and the binaries built (make e2e does).
#
#   lab/e2e/run.sh [-run REGEXP]
set -uo pipefail
cd "$(dirname "$0")/../.."

ROOT=${ARIFLOW_ROOT:-/var/cache/ariflow/sid-root}
LOCK=/var/cache/ariflow/lab/tests.lock
ARI_URL=http://127.0.0.1:18088/ari
ARI_AUTH=ariflow:ariflow-lab
MM_LISTEN=127.0.0.1:18065
ADMIN_URL=http://127.0.0.1:15001
export E2E_LOGS=${E2E_LOGS:-$PWD/lab/e2e/logs}

log() { printf 'e2e: %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }

for b in bin/ariflow bin/mmstandin bin/ariflow-e2e; do [ -x "$b" ] || die "no $b: make e2e builds it"; done

mkdir -p "$(dirname "$LOCK")"
exec 9>>"$LOCK"
if ! flock -n 9; then
	log "another run uses the lab; waiting for $LOCK"
	flock 9
fi

tmp=$(mktemp -d /tmp/ariflow-e2e.XXXXXX)
app_pid= mm_pid=
stop() { # pid: SIGTERM, then SIGKILL after 10 s
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || return 0
	for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.2; done
	kill -KILL "$1" 2>/dev/null
}
cleanup() {
	stop "$app_pid"
	stop "$mm_pid"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

app_up() { curl -fsS -o /dev/null -u "$ARI_AUTH" "$ARI_URL/applications/ariflow" 2>/dev/null; }
app_up && die "an ariflow app is already connected to the lab; stop it first"

# Secrets for this run only, through the environment.
token() { head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
export ARIFLOW_ARI_PASSWORD=ariflow-lab
export ARIFLOW_ADMIN_TOKEN=$(token)
export ARIFLOW_MATTERMOST_TOKEN=$(token)
export MMSTANDIN_TOKEN=$ARIFLOW_MATTERMOST_TOKEN
export ARIFLOW_DATABASE=$tmp/e2e.db
export ARIFLOW_RECORDINGS_DIR=$ROOT/var/spool/asterisk/recording
export E2E_ADMIN_URL=$ADMIN_URL E2E_MM_URL=http://$MM_LISTEN

rm -rf "$ARIFLOW_RECORDINGS_DIR/e2e" # recordings and messages of earlier runs (prefix e2e/)

bin/mmstandin -listen "$MM_LISTEN" </dev/null >"$tmp/mmstandin.log" 2>&1 &
mm_pid=$!
bin/ariflow serve --log-format json lab/e2e/routing.yaml </dev/null >"$tmp/ariflow.log" 2>&1 &
app_pid=$!
ready=
for _ in $(seq 1 100); do
	if curl -fsS -o /dev/null "$ADMIN_URL/readyz" 2>/dev/null; then ready=1; break; fi
	kill -0 "$app_pid" 2>/dev/null || break
	sleep 0.2
done
if [ -z "$ready" ]; then
	tail -n 30 "$tmp/ariflow.log" >&2
	die "ariflow did not get ready (admin API $ADMIN_URL/readyz)"
fi
log "ariflow (pid $app_pid) and the Mattermost stand-in (pid $mm_pid) are up; playing the suite"

bin/ariflow-e2e "$@"
rc=$?
if [ "$rc" != 0 ]; then
	mkdir -p "$E2E_LOGS"
	cp "$tmp/ariflow.log" "$tmp/mmstandin.log" "$E2E_LOGS/" 2>/dev/null
	log "the app's and the stand-in's logs are in $E2E_LOGS"
fi
exit "$rc"
