#!/usr/bin/env bash
# lab/demo.sh: demo calls through the lab Asterisk into ariflow (make lab).
#
# Needs the lab running (make lab-up). Starts ariflow with the routing file unless
# ARIFLOW_DEMO_NO_APP=1 (then an app must already be connected), starts SIPp phones, makes
# one SIPp call per line of CALLS below, and prints one line per call:
#
#   dialed  from  scenario             result  details
#   1000    2000  uac_call             OK      1/1 calls, 5.1 s
#
# Environment:
#   ARIFLOW_DEMO_CONFIG   routing file (default examples/office.yaml; copied to the lab dir so
#                         its database lands there, not in the repository)
#   ARIFLOW_DEMO_BIN      the ariflow binary (default bin/ariflow; `make lab` builds it)
#   ARIFLOW_DEMO_NO_APP=1 do not start ariflow
#   ARIFLOW_LAB_DIR       logs: $ARIFLOW_LAB_DIR/demo/ (default /var/cache/ariflow/lab)
set -uo pipefail

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
REPO=$(dirname "$HERE")
LAB_DIR=${ARIFLOW_LAB_DIR:-/var/cache/ariflow/lab}
DEMO_DIR=$LAB_DIR/demo
CONFIG=${ARIFLOW_DEMO_CONFIG:-$REPO/examples/office.yaml}
BIN=${ARIFLOW_DEMO_BIN:-$REPO/bin/ariflow}
ARI_URL=http://127.0.0.1:18088/ari
ARI_AUTH=ariflow:ariflow-lab
SIP_ADDR=127.0.0.1:15060

# The demo calls, one per line:
#   number | caller | scenario | -set variables (name=value ...) | phones (name:scenario[:name=value,...] ...) | what it shows
# Phones are SIPp UASs at the phones' fixed ports for the duration of that call. Callers
# wait for the app to hang up (the phone hangs up after talking, or voicemail ends), so
# each call passes whichever way office hours send it; the app's log lines printed under
# each call say which way it went.
CALLS=(
	"1000 | 2000 | uac_hangup_by_peer.xml |  | 1000:uas_answer_hangup.xml:ring_ms=2000,hold_ms=3000 | 1000 rings, answers, is recorded (or closed -> voicemail, by the office hours)"
	"3000 | 2000 | uac_hangup_by_peer.xml |  | 3000:uas_answer_hangup.xml:ring_ms=1000,hold_ms=2000 | 3000 (no schedule) rings and answers"
	"2000 | 3000 | uac_hangup_by_peer.xml |  | 2000:uas_busy.xml                                    | 2000 is busy -> voicemail (reason busy)"
	"*77  | 1000 | uac_hangup_by_peer.xml |  |                                                      | absence on for 1000 (plays goodbye)"
	"1000 | 2000 | uac_hangup_by_peer.xml |  | 1000:uas_answer_hangup.xml                           | 1000 absent: closed -> voicemail, the phone does not ring"
	"*88  | 1000 | uac_hangup_by_peer.xml |  |                                                      | absence off (plays hello)"
	"900  | 2000 | uac_hangup_by_peer.xml | pre_ms=1500 digits=1 | 2001:uas_answer_hangup.xml:ring_ms=1000,hold_ms=2000 | IVR svi_1: 1 during service1 -> phone 2001 (y)"
	"900  | 2000 | uac_hangup_by_peer.xml | pre_ms=5000 digits=2 | 2002:uas_answer_hangup.xml:ring_ms=1000,hold_ms=2000 | IVR svi_1: 2 during service2 -> phone 2002 (z)"
	"600  | 3000 | uac_hangup_by_peer.xml |  | 4001:uas_answer_hangup.xml:ring_ms=3000,hold_ms=2000 4002:uas_noanswer.xml 4003:uas_noanswer.xml | queue file-attente: ringall, 4001 answers, the others are cancelled"
	"999  | 2000 | uac_call.xml           | hold_ms=5000 |                                                      | conference Salle_1: alone, the count said, music"
	"5555 | 2000 | uac_hangup_by_peer.xml |  |                                                      | a number the routing file does not know: ss-noservice"
)

log() { printf 'demo.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v sipp >/dev/null || die "sipp not found: run lab/root.sh"
curl -fsS -o /dev/null -u "$ARI_AUTH" "$ARI_URL/asterisk/info" || die "the lab's Asterisk does not answer ARI: make lab-up"
mkdir -p "$DEMO_DIR"

app_pid=
phone_pids=()
cleanup() {
	local p
	for p in "${phone_pids[@]}"; do kill "$p" 2>/dev/null; done
	if [ -n "$app_pid" ]; then
		kill -TERM "$app_pid" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$app_pid" 2>/dev/null
	fi
}
trap cleanup EXIT

app_up() { curl -fsS -o /dev/null -u "$ARI_AUTH" "$ARI_URL/applications/ariflow" 2>/dev/null; }

if [ "${ARIFLOW_DEMO_NO_APP:-0}" != 1 ]; then
	[ -x "$BIN" ] || die "no $BIN: make build (or set ARIFLOW_DEMO_BIN)"
	app_up && die "an ariflow app is already connected to the lab; stop it or use ARIFLOW_DEMO_NO_APP=1"
	# Recordings land in the lab root's spool, where the app can read them and write sidecars.
	sed "s|^\(  directory: \)/var/spool/asterisk/recording|\1${ARIFLOW_ROOT:-/var/cache/ariflow/sid-root}/var/spool/asterisk/recording|" \
		"$CONFIG" >"$DEMO_DIR/routing.yaml"
	log "starting $BIN serve $DEMO_DIR/routing.yaml (log: $DEMO_DIR/ariflow.log)"
	ARIFLOW_ARI_PASSWORD=ariflow-lab ARIFLOW_MATTERMOST_TOKEN=${ARIFLOW_MATTERMOST_TOKEN:-demo} \
		ARIFLOW_ADMIN_TOKEN=${ARIFLOW_ADMIN_TOKEN:-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d " \n")} \
		"$BIN" serve --log-format console "$DEMO_DIR/routing.yaml" </dev/null >"$DEMO_DIR/ariflow.log" 2>&1 &
	app_pid=$!
	for _ in $(seq 1 75); do app_up && break; kill -0 "$app_pid" 2>/dev/null || break; sleep 0.2; done
	app_up || { tail -n 30 "$DEMO_DIR/ariflow.log" >&2; die "ariflow did not connect to ARI"; }
fi
app_up || die "no app \"ariflow\" connected to ARI"

phone_port() {
	case $1 in
	1000) echo 15101 ;; 2000) echo 15102 ;; 3000) echo 15103 ;; 2001) echo 15104 ;; 2002) echo 15105 ;;
	4001) echo 15111 ;; 4002) echo 15112 ;; 4003) echo 15113 ;; *) return 1 ;;
	esac
}

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

printf '%-6s %-5s %-22s %-6s %s\n' dialed from scenario result details
n=0 failed=0
for line in "${CALLS[@]}"; do
	IFS='|' read -r number from scenario vars phones what <<<"$line"
	number=$(trim "$number") from=$(trim "$from") scenario=$(trim "$scenario")
	vars=$(trim "$vars") phones=$(trim "$phones") what=$(trim "$what")
	n=$((n + 1))
	dir=$DEMO_DIR/$(printf '%02d' $n)-$(echo "$number" | tr -c 'A-Za-z0-9\n' _)
	rm -rf "$dir" && mkdir -p "$dir"

	phone_pids=()
	for ph in $phones; do
		IFS=: read -r pname pscen pvars <<<"$ph"
		port=$(phone_port "$pname") || { log "unknown phone $pname"; continue; }
		mp=$((20000 + 10 * (port - 15100)))
		pargs=(-sf "$HERE/sipp/$pscen" -s "$pname" -i 127.0.0.1 -p "$port" -mi 127.0.0.1 -mp "$mp"
			-m 5 -nostdin -trace_msg -message_file "$dir/phone-$pname.messages.log"
			-trace_err -error_file "$dir/phone-$pname.errors.log")
		IFS=, read -ra kvs <<<"${pvars:-}"
		for kv in "${kvs[@]}"; do [ -n "$kv" ] && pargs+=(-set "${kv%%=*}" "${kv#*=}"); done
		sipp "${pargs[@]}" >"$dir/phone-$pname.out" 2>&1 &
		phone_pids+=($!)
	done
	[ ${#phone_pids[@]} -gt 0 ] && sleep 0.5

	args=(-sf "$HERE/sipp/$scenario" -s "$number" -i 127.0.0.1 -p $((25000 + n)) -mi 127.0.0.1
		-mp $((26000 + 4 * n)) -m 1 -timeout 60s -timeout_error -nostdin -set from "$from"
		-trace_msg -message_file "$dir/messages.log" -trace_err -error_file "$dir/errors.log"
		-trace_stat -stf "$dir/stat.csv" -fd 1)
	for kv in $vars; do args+=(-set "${kv%%=*}" "${kv#*=}"); done
	start=$(date +%s.%N)
	log_from=$(stat -c %s "$DEMO_DIR/ariflow.log" 2>/dev/null || echo 0)
	timeout 70 sipp "${args[@]}" "$SIP_ADDR" >"$dir/sipp.out" 2>&1
	rc=$?
	sleep 0.3
	secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
	result=OK
	[ $rc -eq 0 ] || { result=FAIL; failed=$((failed + 1)); }
	detail="exit $rc, $secs s"
	[ $rc -eq 0 ] || detail="$detail, logs $dir"
	printf '%-6s %-5s %-22s %-6s %s: %s\n' "$number" "$from" "${scenario%.xml}" "$result" "$what" "$detail"
	# What the app did with the call: its log lines since the call was placed.
	[ -n "$app_pid" ] && tail -c +$((log_from + 1)) "$DEMO_DIR/ariflow.log" | sed 's/\x1b\[[0-9;]*m//g' |
		grep -v 'component=' | sed 's/^/         app: /'

	for p in "${phone_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	phone_pids=()
	sleep 0.5
done
[ -n "$app_pid" ] && log "ariflow log: $DEMO_DIR/ariflow.log"
log "$((n - failed))/$n calls OK"
[ $failed -eq 0 ]
