#!/usr/bin/env bash
# bench/soak.sh: make soak (bench/README.md). ariflow serves bench/routing.yaml on the lab's
# Asterisk while SIPp keeps SOAK_CONCURRENT (20) calls going across the features for
# SOAK_DURATION; Asterisk's channels and bridges and the app's goroutines, open files, RSS
# and Go heap are read before the calls, every SOAK_INTERVAL, and after the calls have
# ended; bench/report judges them flat or not and writes bench/results/soak-<time>.md.
# Holds the lab lock for the whole run; ends what it started on exit.
#
# Environment (defaults in brackets):
#   SOAK_DURATION   how long calls are placed: 30m, 180s, 1h [30m]
#   SOAK_INTERVAL   time between readings [60s, or a sixth of a shorter run]
#   SOAK_OUT        where the report goes [bench/results]
#   SOAK_RUN_DIR    raw data [/var/cache/ariflow/lab/soak/<time>]
#   BENCH_DIAL_CONTEXT  when set (ariflow-dial), the app runs with asterisk.dial_context [unset]
#   BENCH_LIMITS        when set ({max_calls: 50}), the routing file's limits [unset]
set -uo pipefail

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
REPO=$(dirname "$HERE")
export PATH=/usr/local/go/bin:$PATH
OUT=${SOAK_OUT:-$REPO/bench/results}
STAMP=$(date -u +%Y-%m-%dT%H%MZ)
RUN=${SOAK_RUN_DIR:-${ARIFLOW_LAB_DIR:-/var/cache/ariflow/lab}/soak/$STAMP}
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

# seconds DURATION: 90, 90s, 30m, 1h as seconds.
seconds() {
	case $1 in
	*h) echo $((${1%h} * 3600)) ;; *m) echo $((${1%m} * 60)) ;; *s) echo "${1%s}" ;; *) echo "$1" ;;
	esac
}
DURATION=${SOAK_DURATION:-30m}
[[ $DURATION =~ ^[1-9][0-9]*[hms]?$ ]] || die "SOAK_DURATION: want e.g. 30m, 180s or 1h, got $DURATION"
DUR_S=$(seconds "$DURATION")
INTERVAL_S=60
[ $((DUR_S / 6)) -lt $INTERVAL_S ] && INTERVAL_S=$((DUR_S / 6 > 10 ? DUR_S / 6 : 10))
[ -n "${SOAK_INTERVAL:-}" ] && { [[ $SOAK_INTERVAL =~ ^[1-9][0-9]*[hms]?$ ]] || die "SOAK_INTERVAL: $SOAK_INTERVAL"; INTERVAL_S=$(seconds "$SOAK_INTERVAL"); }
COMMAND=$(env | grep -E '^(SOAK_(DURATION|INTERVAL)|BENCH_DIAL_CONTEXT|BENCH_LIMITS)=' | sort | sed -E "s/^([A-Z_]+)=(.*)$/\1='\2'/" | tr '\n' ' ')"make soak"
SPOOL=$ARIFLOW_ROOT/var/spool/asterisk

# The calls, one SIPp caller each (load_uac.xml: Asterisk may hang up first):
#   name | number | at once | hold_ms | -set extras | phones (name:scenario ...) | what happens
CALLERS=(
	"extension answered   | 1000 | 4 | 8000  |                      | 1000:bench_uas.xml                   | phone 1000 answers at once, the call is recorded; 8 s of talk"
	"extension unanswered | 3000 | 3 | 9000  |                      | 3000:uas_noanswer.xml                | 3000 rings 3 s, then voicemail 7300: a message of about 5 s"
	"IVR                  | 900  | 4 | 6000  | digits=1 pre_ms=500  | 2001:bench_uas.xml                   | menu bench_ivr, key 1 during the prompt, phone 2001 answers; 6 s"
	"queue                | 601  | 3 | 8000  |                      | 4001:bench_uas.xml 4002:uas_noanswer.xml | queue bench_queue, ringall: 4001 answers, 4002 is cancelled; 8 s"
	"conference           | 998  | 3 | 10000 |                      |                                      | room bench_room: count, music when alone, others join and leave; 10 s"
	"voicemail            | 4560 | 3 | 6000  |                      |                                      | voicemail 7100 directly: greeting, beep, a message of about 5 s"
)
CONCURRENT=0
for line in "${CALLERS[@]}"; do IFS='|' read -r _ _ n _ <<<"$line"; CONCURRENT=$((CONCURRENT + n)); done

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; s=${s%"${s##*[![:space:]]}"}; printf '%s' "$s"; }

command -v sipp >/dev/null || die "sipp not found: make lab-up"
[ -x "$BIN" ] || die "no $BIN: make build"
mkdir -p "$RUN/callers" "$OUT"
CALLER_PIDS=()
soak_cleanup() {
	local p
	for p in "${CALLER_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	cleanup
	rm -rf "$SPOOL/recording/bench" "$SPOOL/voicemail/default/7100" "$SPOOL/voicemail/default/7300"
}
trap soak_cleanup EXIT
trap 'exit 130' INT TERM
log "raw data in $RUN; $CONCURRENT calls at once for $DUR_S s, a reading every $INTERVAL_S s"

T0=
# sample PHASE: one line of samples.tsv.
sample() {
	local el=-1
	[ -n "$T0" ] && el=$((SECONDS - T0))
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%H:%M:%S)" "$el" "$1" \
		"$(ari_count channels)" "$(ari_count bridges)" "$(metric go_goroutines)" "$(metric process_open_fds)" \
		"$(metric process_resident_memory_bytes)" "$(metric go_memstats_heap_inuse_bytes)" \
		"$(metric ariflow_calls_total)" "$(metric ariflow_calls_active | sed "s/^?$/0/")" >>"$RUN/samples.tsv"
	tail -n 1 "$RUN/samples.tsv" | awk -F'\t' '{ printf "soak.sh: %s %ss %s: channels %s bridges %s goroutines %s fds %s rss %.1f MB heap %.1f MB calls %s\n", $1, $2, $3, $4, $5, $6, $7, $8 / 1048576, $9 / 1048576, $10 }' >&2
}
printf 'time\telapsed_s\tphase\tchannels\tbridges\tgoroutines\tfds\trss_bytes\theap_inuse_bytes\tcalls_total\tcalls_active\n' >"$RUN/samples.tsv"

take_lab
curl -fsS -o /dev/null -u "$ARI_AUTH" "$ARI_URL/asterisk/info" || die "the lab's Asterisk does not answer ARI: make lab-up"
"$REPO/lab/asterisk.sh" start >/dev/null || die "lab/asterisk.sh start failed"
[ "$(ari_count channels)" = 0 ] || wait_lab_idle 10 >/dev/null
rm -rf "$SPOOL/recording/bench" "$SPOOL/voicemail/default/7100" "$SPOOL/voicemail/default/7300"
{
	run_info
	echo "duration=$DURATION"
	echo "concurrent=$CONCURRENT"
} >"$RUN/run"
start_app

# The phones, each answering (or not) as many calls as come, until the end.
for line in "${CALLERS[@]}"; do
	IFS='|' read -r _ _ _ _ _ phones _ <<<"$line"
	for ph in $phones; do start_phone "${ph%%:*}" "${ph#*:}" "$RUN"; done
done
sleep 3
sample start

T0=$SECONDS
i=0
for line in "${CALLERS[@]}"; do
	IFS='|' read -r name number limit hold extras _ what <<<"$line"
	name=$(trim "$name") number=$(trim "$number") limit=$(trim "$limit") hold=$(trim "$hold") extras=$(trim "$extras") what=$(trim "$what")
	dir=$RUN/callers/$(printf '%d-%s' $i "${name// /-}")
	mkdir -p "$dir"
	printf 'name=%s\nnumber=%s\nlimit=%s\nwhat=%s\n' "$name" "$number" "$limit" "$what" >"$dir/meta"
	args=(-sf "$SIPP_DIR/load_uac.xml" -s "$number" -i 127.0.0.1 -p $((27100 + 2 * i)) -mi 127.0.0.1 -mp $((28100 + 10 * i))
		-r 1 -l "$limit" -nostdin -recv_timeout 30000 -trace_stat -stf "$dir/uac.csv" -fd 5
		-trace_err -error_file "$dir/errors.log" -set from 2000 -set hold_ms "$hold")
	for kv in $extras; do args+=(-set "${kv%%=*}" "${kv#*=}"); done
	sipp "${args[@]}" "$SIP_ADDR" >"$dir/sipp.out" 2>&1 &
	CALLER_PIDS+=($!)
	i=$((i + 1))
done

next=$INTERVAL_S
while [ $((SECONDS - T0)) -lt "$DUR_S" ]; do
	sleep 1
	if [ $((SECONDS - T0)) -ge $next ] && [ $((SECONDS - T0)) -lt "$DUR_S" ]; then
		sample load
		next=$((next + INTERVAL_S))
	fi
done
sample load

# No new calls (SIGUSR1: SIPp places none and ends once its calls have); then idle readings.
for p in "${CALLER_PIDS[@]}"; do kill -USR1 "$p" 2>/dev/null; done
for p in "${CALLER_PIDS[@]}"; do
	wait_pid "$p" 60 || true
done
deadline=$((SECONDS + 30))
while [ $SECONDS -lt $deadline ]; do
	[ "$(ari_count channels)" = 0 ] && [ "$(ari_count bridges)" = 0 ] && break
	sleep 1
done
sleep 5
sample end
echo "ended=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$RUN/run"

i=0
for dir in "$RUN"/callers/*/; do
	printf 'ok=%s\nfailed=%s\n' "$(csv_field "$dir/uac.csv" 'SuccessfulCall(C)')" "$(csv_field "$dir/uac.csv" 'FailedCall(C)')" >>"$dir/meta"
done
{
	n=$(find "$SPOOL/recording/bench" -name '*.wav' 2>/dev/null | wc -l)
	echo "- Recordings and voicemail audio written during the soak: $n files, $(du -sh "$SPOOL/recording/bench" 2>/dev/null | cut -f1) (deleted after the run)."
	echo "- The app's log: $(grep -c '"level":"error"' "$RUN/app/ariflow.log") error and $(grep -c '"level":"warn"' "$RUN/app/ariflow.log") warning lines ($RUN/app/ariflow.log)."
} >"$RUN/notes"
left_ch=$(ari_count channels) left_br=$(ari_count bridges)
stop_app
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
if [ "$left_ch" != 0 ] || [ "$left_br" != 0 ]; then
	echo "- Left after the calls: $left_ch channels, $left_br bridges; hung up and destroyed after the readings." >>"$RUN/notes"
	"$REPO/lab/asterisk.sh" hangup-all >/dev/null 2>&1
	for b in $(curl -fsS -u "$ARI_AUTH" "$ARI_URL/bridges" | jq -r '.[].id | @uri'); do
		curl -fsS -o /dev/null -X DELETE -u "$ARI_AUTH" "$ARI_URL/bridges/$b"
	done
fi
flock -u 9
exec 9>&-

(cd "$REPO" && go run ./bench/report soak -run "$RUN" -out "$OUT") || die "bench/report failed"
