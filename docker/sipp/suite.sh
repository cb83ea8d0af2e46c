#!/bin/sh
# The sipp container's command: play the scenario suite against the compose lab once, print
# its table, exit with its status (0: every scenario passed).
# Without the suite in the image (an older tree), one smoke call instead: phone 2000 answers,
# a caller from 1000 talks to it for 3 s and hangs up.
set -eu
cd /src
if [ -x /usr/local/bin/e2e ]; then
	exec /usr/local/bin/e2e "$@"
fi
echo "suite.sh: no scenario suite in this image: one smoke call (1000 calls 2000)"
log=${ARTIFACTS:-/tmp}/smoke
mkdir -p "$log"
sipp -sf lab/sipp/uas_answer.xml -s 2000 -i "$SIPP_ADDR" -p 15102 -mi "$SIPP_ADDR" -mp 20020 -m 1 \
	-bg -trace_err -error_file "$log/phone-2000.err" >/dev/null || true # -bg: the parent exits 99
sleep 1
status=0
sipp -sf lab/sipp/uac_call.xml -s 2000 -i "$SIPP_ADDR" -p 25000 -mi "$SIPP_ADDR" -mp 26000 -m 1 \
	-set from 1000 -set hold_ms 3000 -timeout 30 -timeout_error -trace_err -error_file "$log/caller.err" \
	-trace_stat -stf "$log/caller.csv" "$ASTERISK_ADDR:15060" >/dev/null || status=$?
pkill -x sipp 2>/dev/null || true
printf '%-24s %-10s %-10s %s\n' scenario expected seen result
if [ "$status" = 0 ]; then seen=answered; res=pass; else seen="exit $status"; res=FAIL; fi
printf '%-24s %-10s %-10s %s\n' "smoke 1000->2000" answered "$seen" "$res"
[ "$status" = 0 ] && rm -rf "$log"
exit "$status"
