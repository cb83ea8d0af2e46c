#!/usr/bin/env bash
# bench/bench.sh: make bench (bench/README.md). In one run, on the lab's one Asterisk, taking
# turns at each step: the app (bin/ariflow serve bench/routing.yaml) and the same flows in
# plain dialplan (lab/asterisk/extensions_bench.conf), each driven by SIPp at increasing call
# rates, then held at 100 and 500 concurrent calls; plus the Go benchmarks of the hot paths.
# Raw data goes to $BENCH_RUN_DIR; bench/report writes the table and the plot into
# $BENCH_OUT. Holds the lab lock only while it uses the lab; ends what it started on exit.
#
# Environment (defaults in brackets):
#   BENCH_RATES            call rates tried, calls per second, in order ["10 20 40 60 80 100 120 160 200 250 300"]
#   BENCH_STEP_SECONDS     how long each rate is offered [15]
#   BENCH_MIN_CALLS        each step offers at least this many calls, for longer than the
#                          step time at the low rates, so that its p99 is not its second
#                          worst call; 0 keeps every step to the step time [1000]
#   BENCH_WARMUP_SECONDS   each mode's unmeasured warm-up at 10 calls/s before each flow's
#                          first step; 0 skips it [5]
#   BENCH_HOLD_MS          talk time of each call in the rate steps [2000]
#   BENCH_CONCURRENT       concurrent calls held for the memory readings ["100 500"]
#   BENCH_CONCURRENT_RATE  call rate while filling up to those [20]
#   BENCH_REFINE           after a mode's first failing step, how many more steps it takes,
#                          each halfway between its highest good rate and its lowest failing
#                          one so far, to narrow its highest rate [2]
#   BENCH_MODES            ["app dialplan"];  BENCH_FLOWS ["extension ivr"]
#   BENCH_GO               0 skips the Go benchmarks [1]
#   BENCH_DIAL_CONTEXT     when set (ariflow-dial), the app runs with asterisk.dial_context:
#                          its rings are handed to Asterisk's Dial in that context [unset]
#   BENCH_LIMITS           when set ({calls_per_second: 140}), the routing file's limits:
#                          past them the app refuses new callers with congestion [unset]
#   BENCH_QUIET_WAIT       seconds to wait, holding the lab, for the load average to fall
#                          under 1.5 before measuring [120]
#   BENCH_OUT              where the results go [bench/results]
#   BENCH_RUN_DIR          raw data [/var/cache/ariflow/lab/bench/<time>]
set -uo pipefail

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
REPO=$(dirname "$HERE")
export PATH=/usr/local/go/bin:$PATH
RATES=${BENCH_RATES:-"10 20 40 60 80 100 120 160 200 250 300"}
STEP_SECONDS=${BENCH_STEP_SECONDS:-15}
MIN_CALLS=${BENCH_MIN_CALLS:-1000}
REFINE=${BENCH_REFINE:-2}
WARMUP_SECONDS=${BENCH_WARMUP_SECONDS:-5}
STRAY_WAIT=33 # SIP's transaction timeout (64 × T1 of 500 ms), and a second
HOLD_MS=${BENCH_HOLD_MS:-2000}
CONCURRENT=${BENCH_CONCURRENT:-"100 500"}
CONCURRENT_RATE=${BENCH_CONCURRENT_RATE:-20}
MODES=${BENCH_MODES:-"app dialplan"}
FLOWS=${BENCH_FLOWS:-"extension ivr"}
OUT=${BENCH_OUT:-$REPO/bench/results}
STAMP=$(date -u +%Y-%m-%dT%H%MZ)
RUN=${BENCH_RUN_DIR:-${ARIFLOW_LAB_DIR:-/var/cache/ariflow/lab}/bench/$STAMP}
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

# The command line as the results file shows it: the knobs that were set, then make bench.
COMMAND=$(env | grep -E '^BENCH_(RATES|STEP_SECONDS|MIN_CALLS|REFINE|WARMUP_SECONDS|HOLD_MS|CONCURRENT|CONCURRENT_RATE|MODES|FLOWS|GO|DIAL_CONTEXT|LIMITS)=' | sort |
	sed -E "s/^([A-Z_]+)=(.*)$/\1='\2'/" | tr '\n' ' ')"make bench"

for n in $RATES $CONCURRENT $STEP_SECONDS $HOLD_MS $CONCURRENT_RATE; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "not a whole positive number: $n"
done
[[ $WARMUP_SECONDS =~ ^[0-9]+$ ]] || die "not a whole number: BENCH_WARMUP_SECONDS=$WARMUP_SECONDS"
[[ $MIN_CALLS =~ ^[0-9]+$ ]] || die "not a whole number: BENCH_MIN_CALLS=$MIN_CALLS"
[[ $REFINE =~ ^[0-9]+$ ]] || die "not a whole number: BENCH_REFINE=$REFINE"
command -v sipp >/dev/null || die "sipp not found: make lab-up"
[ -x "$BIN" ] || die "no $BIN: make build"
mkdir -p "$RUN" "$OUT"
trap cleanup EXIT
trap 'exit 130' INT TERM
log "raw data in $RUN"

# number MODE FLOW: what the caller dials; phone FLOW: which phone answers.
number() {
	case $1-$2 in
	app-extension) echo 2000 ;; app-ivr) echo 900 ;;
	dialplan-extension) echo 8801 ;; dialplan-ivr) echo 8802 ;;
	*) die "unknown mode or flow: $1 $2" ;;
	esac
}
phone() { case $1 in extension) echo 2000 ;; ivr) echo 2001 ;; esac; }

# caller DIR NUMBER RATE CALLS HOLD_MS [-set ...]: SIPp callers from 1000, in the foreground,
# in DIR (where -trace_logs writes bench_uac_<pid>_logs.log: the INVITE and the 200 of every call
# to the microsecond, and -trace_rtt bench_uac_<pid>_rtt.csv: SIPp's own, by 4 ms).
caller() {
	local dir=$1 num=$2 rate=$3 calls=$4 hold=$5
	shift 5
	(cd "$dir" && timeout $((calls / rate + hold / 1000 + 120)) sipp -sf "$SIPP_DIR/bench_uac.xml" -s "$num" \
		-i 127.0.0.1 -p 27000 -mi 127.0.0.1 -mp 28000 -r "$rate" -m "$calls" -l $((rate * (hold / 1000 + 10) + 100)) \
		-nostdin -timer_resol 1 -recv_timeout 15000 -timeout $((calls / rate + hold / 1000 + 90))s -timeout_error \
		-trace_stat -stf uac.csv -fd 1 -trace_rtt -rtt_freq 1 -trace_logs -trace_err -error_file uac.errors.log \
		-set from 1000 -set hold_ms "$hold" "$@" "$SIP_ADDR" >uac.out 2>&1)
}

flow_args() { [ "$1" = ivr ] && echo "-set digits 1 -set pre_ms 500"; }

# step MODE FLOW RATE: RATE calls per second for STEP_SECONDS, or for MIN_CALLS calls when
# that is more; meta records what /proc and
# the phones say. Returns 1 when 0.1 % of the calls or more failed.
step() {
	local mode=$1 flow=$2 rate=$3 calls dir ph ast a0 a1 p0=0 p1=0 m0 m1 mt0 mt1 t0 t1 rc prc left ok pok failed
	calls=$((rate * STEP_SECONDS))
	[ "$calls" -lt "$MIN_CALLS" ] && calls=$MIN_CALLS
	dir=$RUN/${STEPS_DIR:-steps}/$mode-$flow-$(printf '%04d' "$rate")
	ph=$(phone "$flow")
	mkdir -p "$dir"
	# -aa: the phone answers an INFO it does not expect with 200, as a phone does: the
	# dialplan's Dial may bridge while the caller's key is still down and pass its end on.
	start_phone "$ph" bench_uas.xml "$dir" -m "$calls" -aa
	local phone_pid=$PHONE_PID
	sleep 0.3
	ast=$(asterisk_pid)
	a0=$(cpu_ticks "$ast")
	[ -n "$APP_PID" ] && p0=$(cpu_ticks "$APP_PID")
	read -r m0 mt0 < <(machine_ticks)
	t0=$(date +%s.%N)
	# shellcheck disable=SC2046
	caller "$dir" "$(number "$mode" "$flow")" "$rate" "$calls" "$HOLD_MS" $(flow_args "$flow")
	rc=$?
	t1=$(date +%s.%N)
	wait_pid "$phone_pid" 10
	prc=$?
	left=$(wait_lab_idle 20)
	a1=$(cpu_ticks "$ast")
	[ -n "$APP_PID" ] && p1=$(cpu_ticks "$APP_PID")
	read -r m1 mt1 < <(machine_ticks)
	ok=$(csv_field "$dir/uac.csv" 'SuccessfulCall(C)')
	pok=$(csv_field "$dir/phone-$ph.csv" 'SuccessfulCall(C)')
	[ "$pok" -lt "$ok" ] && ok=$pok
	failed=$((calls - ok))
	cat >"$dir/meta" <<META
mode=$mode
flow=$flow
rate=$rate
calls=$calls
ok=$ok
caller_rc=$rc
phone_rc=$prc
seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
hold_ms=$HOLD_MS
app_ticks=$((p1 - p0))
asterisk_ticks=$((a1 - a0))
ticks_per_second=$(getconf CLK_TCK)
channels_left=$left
machine_busy_ticks=$((m1 - m0))
machine_ticks=$((mt1 - mt0))
load_after=$(cut -d' ' -f1 /proc/loadavg)
META
	log "$mode $flow $rate cps: $ok/$calls calls OK (caller exit $rc, phone exit $prc)"
	if [ "$failed" -gt 0 ]; then
		# Asterisk may still be resending requests (a BYE) to the phone that has gone: the
		# next step's phone would take each for a call of its own and stop short of its count.
		log "waiting ${STRAY_WAIT}s for Asterisk's retransmissions to the phone to run out"
		sleep "$STRAY_WAIT"
	fi
	[ $((failed * 1000)) -lt "$calls" ]
}

# refine MODE FLOW GOOD BAD: up to REFINE more steps, each halfway between the highest
# rate the mode sustained (GOOD) and the lowest it failed (BAD) so far, so that its highest
# rate is known to within that gap rather than the rate grid's. None when it failed its
# first step (GOOD 0) or the gap is down to 2 calls/s.
refine() {
	local mode=$1 flow=$2 good=$3 bad=$4 mid i
	for ((i = 0; i < REFINE && good > 0; i++)); do
		mid=$(((good + bad) / 2))
		[ $((bad - good)) -gt 2 ] || break
		log "$mode $flow: between $good and $bad calls/s, trying $mid"
		if step "$mode" "$flow" "$mid"; then good=$mid; else bad=$mid; fi
	done
}

# warm_up MODE FLOW: a short step the report does not read (in warmup/, not steps/), so that
# the first measured step does not also pay for first calls: Asterisk loading the prompts,
# the app's first database writes, caches, SIPp's start.
# in_turn N: the modes in the order they take turns at step N: BENCH_MODES's order for an
# odd N, the other way round for an even one.
in_turn() {
	if (($1 % 2)); then
		echo "$MODES"
	else
		printf '%s\n' $MODES | tac | xargs
	fi
}

warm_up() {
	log "warm-up (not measured): $1 $2"
	STEPS_DIR=warmup STEP_SECONDS=$WARMUP_SECONDS MIN_CALLS=0 step "$1" "$2" 10 ||
		log "warm-up $1 $2: calls failed (not measured; the steps go on)"
}

# hold MODE N: fill up to N concurrent extension calls, read memory, let them end.
hold() {
	local mode=$1 n=$2 dir hold_ms ast a0 a1 p0=0 p1=0 deadline ch=0 caller_pid rc prc
	dir=$RUN/holds/$mode-$(printf '%04d' "$n")
	mkdir -p "$dir"
	hold_ms=$((n * 1000 / CONCURRENT_RATE + 15000))
	ast=$(asterisk_pid)
	{
		echo "mode=$mode"
		echo "concurrent=$n"
		echo "idle_asterisk_rss_kb=$(rss_kb "$ast")"
		[ -n "$APP_PID" ] && echo "idle_app_rss_kb=$(rss_kb "$APP_PID")"
		[ -n "$APP_PID" ] && echo "idle_app_heap_bytes=$(metric go_memstats_heap_inuse_bytes)"
		[ -n "$APP_PID" ] && echo "idle_app_goroutines=$(metric go_goroutines)"
	} >"$dir/meta"
	start_phone 2000 bench_uas.xml "$dir" -m "$n"
	local phone_pid=$PHONE_PID
	sleep 0.3
	a0=$(cpu_ticks "$ast")
	[ -n "$APP_PID" ] && p0=$(cpu_ticks "$APP_PID")
	caller "$dir" "$(number "$mode" extension)" "$CONCURRENT_RATE" "$n" "$hold_ms" &
	caller_pid=$!
	PIDS+=("$caller_pid")
	deadline=$((SECONDS + n / CONCURRENT_RATE + 30))
	while [ $SECONDS -lt $deadline ] && kill -0 "$caller_pid" 2>/dev/null; do
		ch=$(ari_count channels)
		[ "$ch" != "?" ] && [ "$ch" -ge $((2 * n)) ] && break
		sleep 0.5
	done
	sleep 2
	{
		echo "channels=$(ari_count channels)"
		echo "asterisk_rss_kb=$(rss_kb "$ast")"
		if [ -n "$APP_PID" ]; then
			echo "app_rss_kb=$(rss_kb "$APP_PID")"
			echo "app_heap_bytes=$(metric go_memstats_heap_inuse_bytes)"
			echo "app_goroutines=$(metric go_goroutines)"
			echo "app_fds=$(fd_count "$APP_PID")"
			echo "app_calls_active=$(metric ariflow_calls_active)"
		fi
	} >>"$dir/meta"
	wait "$caller_pid"
	rc=$?
	wait_pid "$phone_pid" 10
	prc=$?
	wait_lab_idle 20 >/dev/null
	a1=$(cpu_ticks "$ast")
	[ -n "$APP_PID" ] && p1=$(cpu_ticks "$APP_PID")
	cat >>"$dir/meta" <<META
ok=$(csv_field "$dir/uac.csv" 'SuccessfulCall(C)')
phone_ok=$(csv_field "$dir/phone-2000.csv" 'SuccessfulCall(C)')
caller_rc=$rc
phone_rc=$prc
app_ticks=$((p1 - p0))
asterisk_ticks=$((a1 - a0))
ticks_per_second=$(getconf CLK_TCK)
META
	log "$mode: $n concurrent calls: $(grep -E '^(channels|app_rss_kb|asterisk_rss_kb)=' "$dir/meta" | tr '\n' ' ')"
}

# 1. The Go benchmarks of the hot paths (no lab needed).
if [ "${BENCH_GO:-1}" != 0 ]; then
	log "Go benchmarks (event decode, dispatch, routing decision, schedule check)"
	(cd "$REPO" && go test -run '^$' -bench 'DecodeEvent|Dispatch|Lookup|Decide|BenchmarkAt$|BenchmarkOpen$' \
		-benchmem -count 1 ./ari/ ./app/ ./config/ ./extension/ ./schedule/) >"$RUN/gobench.txt" 2>&1 ||
		{ cat "$RUN/gobench.txt" >&2; die "go benchmarks failed"; }
fi

# 2. The lab, under its lock (other engineers' lab tests wait meanwhile).
take_lab
curl -fsS -o /dev/null -u "$ARI_AUTH" "$ARI_URL/asterisk/info" || die "the lab's Asterisk does not answer ARI: make lab-up"
"$REPO/lab/asterisk.sh" start >/dev/null || die "lab/asterisk.sh start failed"
[ "$(ari_count channels)" = 0 ] || wait_lab_idle 10 >/dev/null
load=$(wait_quiet "${BENCH_QUIET_WAIT:-120}")
{
	echo "load_before=$load"
	run_info
	echo "warmup_seconds=$WARMUP_SECONDS"
	echo "min_calls=$MIN_CALLS"
	echo "refine=$REFINE"
	echo "turns=alternate"
	echo "kernel=$(uname -r)"
	echo "asterisk=$("$REPO/lab/asterisk.sh" cli 'core show version' 2>/dev/null | head -1 | cut -c1-60)"
	echo "sipp=$(sipp -v 2>&1 | grep -o 'SIPp v[0-9.]*' | head -1)"
	echo "go=$(go version | cut -d' ' -f3)"
} >"$RUN/run"
# The modes take turns at each rate, so that whatever else runs on the machine meanwhile
# weighs on both alike, and the one that goes first changes from one rate to the next and
# from one flow to the next (in_turn): the first of a flow's steps meets an Asterisk still
# settling from the last flow's overload, and each step one just out of the other mode's.
# The app stays connected, idle, during the dialplan's turns (its numbers do not enter
# Stasis). A mode stops climbing at its first failing step, then narrows its highest rate
# with up to BENCH_REFINE steps (refine).
[[ " $MODES " == *" app "* ]] && start_app
flows_done=0
for flow in $FLOWS; do
	climbing=" $MODES "
	turn=$((flows_done + 1)) # the first flow's first step in BENCH_MODES's order, the next's the other way
	if [ "$WARMUP_SECONDS" != 0 ]; then
		for mode in $(in_turn "$turn"); do warm_up "$mode" "$flow"; done
	fi
	declare -A good=()
	for rate in $RATES; do
		for mode in $(in_turn "$turn"); do
			[[ $climbing == *" $mode "* ]] || continue
			if step "$mode" "$flow" "$rate"; then
				good[$mode]=$rate
			else
				climbing=${climbing/ $mode / }
				refine "$mode" "$flow" "${good[$mode]:-0}" "$rate"
			fi
		done
		[ -n "${climbing// /}" ] || break
		turn=$((turn + 1))
	done
	unset good
	flows_done=$((flows_done + 1))
done
for n in $CONCURRENT; do
	for mode in $MODES; do hold "$mode" "$n"; done
done
stop_app
echo "ended=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$RUN/run"
flock -u 9
exec 9>&-

# 3. The table and the plot.
(cd "$REPO" && go run ./bench/report bench -run "$RUN" -out "$OUT") || die "bench/report failed"
