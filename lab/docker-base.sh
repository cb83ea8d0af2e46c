#!/usr/bin/env bash
# lab/docker-base.sh: make sure Docker has the base image the compose lab builds FROM
# (debian:sid), even on a machine that cannot reach any image registry.
#
#   1. debian:sid already present                -> nothing to do
#   2. a registry answers (docker pull works)    -> docker pull debian:sid
#   3. otherwise                                 -> debootstrap --variant=minbase sid into
#      $ARIFLOW_DOCKER_BASE (default /var/cache/ariflow/docker-base), then
#      tar -C DIR -c . | docker import - debian:sid
#
# The same docker-compose.yml then builds either way: only where debian:sid came from differs.
# Environment: ARIFLOW_DOCKER_BASE, ARIFLOW_DEBIAN_MIRROR (default http://deb.debian.org/debian),
#              ARIFLOW_BASE_IMAGE (default debian:sid), ARIFLOW_DOCKER_BASE_OFFLINE=1 to skip
#              the pull attempt. Must run as root (debootstrap).
set -euo pipefail

IMAGE=${ARIFLOW_BASE_IMAGE:-debian:sid}
DIR=${ARIFLOW_DOCKER_BASE:-/var/cache/ariflow/docker-base}
MIRROR=${ARIFLOW_DEBIAN_MIRROR:-http://deb.debian.org/debian}

log() { printf 'docker-base.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v docker >/dev/null 2>&1 || die "docker is not installed"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
	log "$IMAGE present ($(docker image inspect -f '{{.Id}}' "$IMAGE" | cut -c1-19))"
	exit 0
fi

if [ "${ARIFLOW_DOCKER_BASE_OFFLINE:-0}" != 1 ]; then
	log "trying docker pull $IMAGE"
	if timeout 120 docker pull "$IMAGE" >/dev/null 2>&1; then
		log "pulled $IMAGE"
		exit 0
	fi
	log "no registry answered: building $IMAGE from a debootstrap root instead"
fi

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap)"
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || {
	log "installing debootstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
}
PATH=$PATH:/usr/sbin:/sbin

# A root is complete when the marker exists; an incomplete one is built again, beside it.
if [ ! -f "$DIR/.ariflow-base-ok" ]; then
	tmp="$DIR.build.$$"
	trap 'rm -rf --one-file-system -- "$tmp" "$tmp.log"' EXIT
	log "debootstrap --variant=minbase sid $tmp (about a minute)"
	debootstrap --variant=minbase --include=ca-certificates sid "$tmp" "$MIRROR" >"$tmp.log" 2>&1 ||
		{ tail -n 30 "$tmp.log" >&2; die "debootstrap failed"; }
	# What debian's official image does too: no package caches, a sources list, no
	# daemons started by package scripts inside builds.
	rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
	printf 'deb %s sid main\n' "$MIRROR" >"$tmp/etc/apt/sources.list"
	printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
	chmod 755 "$tmp/usr/sbin/policy-rc.d"
	: >"$tmp/etc/resolv.conf"
	: >"$tmp/etc/hostname"
	date -u +%FT%TZ >"$tmp/.ariflow-base-ok"
	rm -rf --one-file-system -- "$DIR"
	mv "$tmp" "$DIR"
	rm -f "$tmp.log"
	trap - EXIT
fi

log "docker import $DIR as $IMAGE"
tar -C "$DIR" --exclude=./.ariflow-base-ok -c . |
	docker import -c 'CMD ["bash"]' -c 'ENV LANG=C.UTF-8' -m "debootstrap sid by lab/docker-base.sh" - "$IMAGE" >/dev/null
log "$IMAGE ready ($(docker image inspect -f '{{.Id}}' "$IMAGE" | cut -c1-19))"
