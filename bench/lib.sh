# bench/lib.sh: what bench/bench.sh and bench/soak.sh share (sourced, not run): the lab's
# addresses, starting ariflow with bench/routing.yaml, SIPp phones, ARI counts, /proc
# readings, and cleaning up everything they started.
# Expects REPO (the checkout) and RUN (the run directory) to be set by the sourcing script.

LAB_DIR=${ARIFLOW_LAB_DIR:-/var/cache/ariflow/lab}
LOCK=$LAB_DIR/tests.lock
ARIFLOW_ROOT=${ARIFLOW_ROOT:-/var/cache/ariflow/sid-root}
ARI_URL=http://127.0.0.1:18088/ari
ARI_AUTH=ariflow:ariflow-lab
SIP_ADDR=127.0.0.1:15060
SIPP_DIR=$REPO/lab/sipp
BIN=${ARIFLOW_BENCH_BIN:-$REPO/bin/ariflow}
ADMIN_URL=http://127.0.0.1:5091
# The admin token of this run only (the app reads it from the environment).
ADMIN_TOKEN=bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d " \n")

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Everything started in the background is listed here and ended on exit.
PIDS=()
APP_PID=
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	stop_app
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
}

# phone_port NAME: the SIP port of a lab phone (lab/README.md).
phone_port() {
	case $1 in
	1000) echo 15101 ;; 2000) echo 15102 ;; 3000) echo 15103 ;; 2001) echo 15104 ;; 2002) echo 15105 ;;
	4001) echo 15111 ;; 4002) echo 15112 ;; 4003) echo 15113 ;; *) return 1 ;;
	esac
}

# start_phone NAME SCENARIO DIR [sipp args...]: a SIPp UAS at the phone's port, in the
# background; its pid is the last of PIDS and in PHONE_PID.
start_phone() {
	local name=$1 scen=$2 dir=$3 port
	shift 3
	port=$(phone_port "$name") || die "unknown phone $name"
	sipp -sf "$SIPP_DIR/$scen" -s "$name" -i 127.0.0.1 -p "$port" -mi 127.0.0.1 \
		-mp $((20000 + 10 * (port - 15100))) -nostdin \
		-trace_stat -stf "$dir/phone-$name.csv" -fd 1 -trace_err -error_file "$dir/phone-$name.errors.log" \
		"$@" >"$dir/phone-$name.out" 2>&1 &
	PHONE_PID=$!
	PIDS+=("$PHONE_PID")
}

# ari_count RESOURCE: how many channels or bridges Asterisk has ("?" when ARI does not answer).
ari_count() {
	local out
	out=$(curl -fsS -u "$ARI_AUTH" "$ARI_URL/$1" 2>/dev/null | jq length 2>/dev/null) && [ -n "$out" ] && echo "$out" || echo "?"
}

app_connected() { curl -fsS -o /dev/null -u "$ARI_AUTH" "$ARI_URL/applications/ariflow" 2>/dev/null; }

# cpu_ticks PID: user + system CPU time of a process, in clock ticks (getconf CLK_TCK).
cpu_ticks() {
	# Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}

# rss_kb PID: resident memory in kB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# fd_count PID: open file descriptors.
fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

asterisk_pid() { cat "$LAB_DIR/asterisk.pid" 2>/dev/null; }

# metric NAME: one value of the app's Prometheus metrics (admin API), summed over labels.
metric() {
	curl -fsS -H "Authorization: Bearer $ADMIN_TOKEN" "$ADMIN_URL/metrics" 2>/dev/null |
		awk -v n="$1" '$1 == n || index($1, n "{") == 1 { s += $2; found = 1 } END { if (found) printf "%.0f\n", s; else print "?" }'
}

# start_app: ariflow serve with bench/routing.yaml copied into $RUN/app (its database lands
# there); recordings go to the lab root's spool, as Asterisk writes them. With
# BENCH_DIAL_CONTEXT the copy hands rings to Asterisk's Dial (asterisk.dial_context).
start_app() {
	mkdir -p "$RUN/app"
	app_connected && die "an app \"ariflow\" is already connected to the lab; stop it first"
	sed "s|^\(  directory: \)/var/spool/asterisk/recording|\1$ARIFLOW_ROOT/var/spool/asterisk/recording|" \
		"$REPO/bench/routing.yaml" >"$RUN/app/routing.yaml"
	if [ -n "${BENCH_DIAL_CONTEXT:-}" ]; then
		[[ $BENCH_DIAL_CONTEXT =~ ^[A-Za-z0-9_.-]+$ ]] || die "BENCH_DIAL_CONTEXT: not a context name: $BENCH_DIAL_CONTEXT"
		sed -i "s|^  app: ariflow$|&\n  dial_context: $BENCH_DIAL_CONTEXT|" "$RUN/app/routing.yaml"
		grep -q "^  dial_context: $BENCH_DIAL_CONTEXT$" "$RUN/app/routing.yaml" || die "could not set dial_context in $RUN/app/routing.yaml"
	fi
	if [ -n "${BENCH_LIMITS:-}" ]; then
		[[ $BENCH_LIMITS =~ ^\{[a-z_]+:\ ?[0-9]+(,\ ?[a-z_]+:\ ?[0-9]+)*\}$ ]] ||
			die "BENCH_LIMITS: not a flow map of whole numbers such as {calls_per_second: 140}: $BENCH_LIMITS"
		printf '\nlimits: %s\n' "$BENCH_LIMITS" >>"$RUN/app/routing.yaml"
	fi
	# In a session of its own (setsid), as a service manager starts it, and as Asterisk runs
	# (lab/asterisk.sh): the kernel's scheduler (autogroups) then shares the CPU between the
	# app, Asterisk and the SIPps as between services, rather than counting the app as one
	# more thread of the SIPps that load the machine (bench/README, "the app in a session of
	# its own").
	ARIFLOW_ARI_PASSWORD=ariflow-lab ARIFLOW_ADMIN_TOKEN=$ADMIN_TOKEN \
		setsid "$BIN" serve --log-format json --drain 5s "$RUN/app/routing.yaml" </dev/null >"$RUN/app/ariflow.log" 2>&1 &
	APP_PID=$!
	local i
	for i in $(seq 1 100); do
		app_connected && curl -fsS -o /dev/null "$ADMIN_URL/healthz" 2>/dev/null && break
		kill -0 "$APP_PID" 2>/dev/null || break
		sleep 0.1
	done
	app_connected || { tail -n 20 "$RUN/app/ariflow.log" >&2; die "ariflow did not connect to ARI"; }
	log "ariflow serving bench/routing.yaml (pid $APP_PID, log $RUN/app/ariflow.log)"
}

stop_app() {
	[ -n "$APP_PID" ] || return 0
	kill -TERM "$APP_PID" 2>/dev/null
	local i
	for i in $(seq 1 100); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$APP_PID" 2>/dev/null
	wait "$APP_PID" 2>/dev/null
	APP_PID=
}

# wait_lab_idle SECONDS: wait until Asterisk has no channel left and the app (when it
# runs) no call in progress: an overloaded app may still have requests queued, such as
# the originate of a phone's leg, that would ring the next step's phone after Asterisk's
# channels are gone. After SECONDS, hang up what is left (and say so), then give the
# app's calls 10 s more to end. Prints the channels found at the end of the wait.
wait_lab_idle() {
	local deadline=$((SECONDS + $1)) n
	while :; do
		n=$(ari_count channels)
		[ "$n" = 0 ] && app_idle && { echo 0; return 0; }
		[ $SECONDS -ge "$deadline" ] && break
		sleep 0.5
	done
	log "after $1 s, $n channels still up and $(app_calls) app calls in progress: hanging up every channel"
	"$REPO/lab/asterisk.sh" hangup-all >/dev/null 2>&1
	deadline=$((SECONDS + 10))
	until app_idle || [ $SECONDS -ge "$deadline" ]; do sleep 0.5; done
	sleep 2
	echo "$n"
}

# app_calls: the app's calls in progress, 0 when no app runs (or its metrics cannot be read).
app_calls() {
	local a=0
	[ -n "${APP_PID:-}" ] && a=$(metric ariflow_calls_active)
	[ "$a" = "?" ] && a=0
	echo "$a"
}

app_idle() { [ "$(app_calls)" = 0 ]; }

# csv_field FILE NAME: the column NAME of the last line of a SIPp statistics file (-trace_stat).
csv_field() {
	awk -F';' -v n="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next } { v = $c } END { print (c && v != "") ? v : 0 }' "$1" 2>/dev/null || echo 0
}

# wait_pid PID SECONDS: wait for a background process to end by itself, then end it;
# returns its exit status (143 when it had to be ended).
wait_pid() {
	local pid=$1 deadline=$((SECONDS + $2))
	while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt "$deadline" ]; do sleep 0.2; done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# machine_ticks: "busy total" CPU ticks of the whole machine, all cores (/proc/stat).
machine_ticks() {
	awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat
}

# wait_quiet SECONDS: wait (at most SECONDS) until the 1-minute load average is under 1.5,
# so other work on the machine (builds, other tests) disturbs the measures less. Prints it.
wait_quiet() {
	local deadline=$((SECONDS + $1)) l
	while :; do
		l=$(cut -d' ' -f1 /proc/loadavg)
		awk -v l="$l" 'BEGIN { exit !(l < 1.5) }' && break
		[ $SECONDS -ge "$deadline" ] && { log "load average still $l after $1 s: measuring anyway (see the busy % of each step)"; break; }
		sleep 5
	done
	echo "$l"
}

# take_lab: take the lab lock on fd 9, and keep it only when no app "ariflow" is connected:
# a test package may keep its app connected between tests (holding the lock only while each
# test runs). Gives it back and tries again every 10 s, for LAB_WAIT seconds at most (1800).
take_lab() {
	local deadline=$((SECONDS + ${LAB_WAIT:-1800}))
	exec 9>>"$LOCK"
	while :; do
		if ! flock -n 9; then
			log "waiting for the lab lock ($LOCK)"
			flock 9
		fi
		app_connected || return 0
		flock -u 9
		[ $SECONDS -ge $deadline ] && die "an app \"ariflow\" stays connected to the lab (another test?); not measuring"
		log "an app \"ariflow\" is connected to the lab (another test between its tests?): waiting"
		sleep 10
	done
}

# run_info: the lines of $RUN/run that both reports show: when, the command, the commit, the
# machine, and the app's dial context and limits (BENCH_DIAL_CONTEXT, BENCH_LIMITS, start_app).
run_info() {
	echo "started=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "command=$COMMAND"
	echo "commit=$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- . 2>/dev/null || echo '+changes')"
	echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	echo "cores=$(nproc)"
	echo "memory_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)"
	echo "dial_context=${BENCH_DIAL_CONTEXT:-}"
	echo "limits=${BENCH_LIMITS:-}"
	echo "app_session=own"
}
