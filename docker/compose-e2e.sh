#!/usr/bin/env bash
# docker/compose-e2e.sh (make compose-e2e): one compose run of the scenario suite, from clean
# to clean. Brings the lab up (images already built), waits for the sipp container to play
# the suite, prints its output (the table), keeps the containers' logs when it failed, then
# down -v and checks that nothing of the project is left: containers, network, volumes.
# Environment (from mk/compose.mk): COMPOSE, PROJECT, ARTIFACTS, SUITE_TIMEOUT (seconds).
set -uo pipefail
COMPOSE=${COMPOSE:-docker-compose -p ariflowlab}
PROJECT=${PROJECT:-ariflowlab}
ARTIFACTS=${ARTIFACTS:-$PWD/docker/artifacts}
SUITE_TIMEOUT=${SUITE_TIMEOUT:-1800}
export ARIFLOW_COMPOSE_ARTIFACTS=$ARTIFACTS

say() { printf '\ncompose-e2e: %s\n' "$*"; }

down() { $COMPOSE --profile mattermost down -v --remove-orphans 2>&1 | grep -v -e '^$' -e 'not found' -e '^Removing .* not found' || true; }

say "starting from clean: down -v"
down
rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"

say "up -d"
if ! $COMPOSE up -d 2>&1; then
	say "up failed; logs:"
	$COMPOSE logs --no-color --tail=50
	down
	exit 1
fi
$COMPOSE ps

sipp=$($COMPOSE ps -q sipp)
say "waiting for the suite in the sipp container (at most ${SUITE_TIMEOUT}s)"
status=$(timeout "$SUITE_TIMEOUT" docker wait "$sipp") || status=timeout
# The suite writes its table on stdout and one line per scenario as it goes on stderr:
# the table here, the progress into the artifacts (and here too when something failed).
say "the suite's table (docker logs ${sipp:0:12}; its progress in $ARTIFACTS/suite-progress.log):"
docker logs "$sipp" 2>"$ARTIFACTS/suite-progress.log"

if [ "$status" != 0 ]; then
	say "suite status: $status; its progress:"
	cat "$ARTIFACTS/suite-progress.log"
	say "kept in $ARTIFACTS: SIPp's logs of the failed scenarios (sipp/), every container's log (*.log)"
	for s in asterisk ariflow mmstandin sipp; do
		$COMPOSE logs --no-color --no-log-prefix "$s" >"$ARTIFACTS/$s.log" 2>&1
	done
else
	say "suite status: 0 (passed); posts the stand-in received: $($COMPOSE logs --no-color --no-log-prefix mmstandin | grep -c ' post ')"
fi

say "down -v"
down
left=$(
	docker ps -a --filter "label=com.docker.compose.project=$PROJECT" --format 'container {{.Names}}'
	docker network ls --filter "label=com.docker.compose.project=$PROJECT" --format 'network {{.Name}}'
	docker volume ls --filter "label=com.docker.compose.project=$PROJECT" --format 'volume {{.Name}}'
)
if [ -n "$left" ]; then
	say "left behind after down -v:"
	echo "$left"
	exit 1
fi
say "nothing left: no container, network or volume of project $PROJECT"
[ "$status" = 0 ]
