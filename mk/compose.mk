# The Docker lab (docker-compose.yml; lab/README.md "Docker or chroot"). Not part of CI, which
# runs the chroot suite (make e2e); needs no lab lock: compose runs its own Asterisk.
#
#   make compose-base   debian:sid for the builds: present, pulled, or made offline (lab/docker-base.sh)
#   make compose-build  compose-base + docker-compose build
#   make compose-up     compose-build + up -d: the suite plays once in "sipp"; the lab stays up
#   make compose-e2e    the whole run: build, up, wait for the suite, print its table, down -v,
#                       check nothing is left; exits with the suite's status
#   make compose-down   down -v: containers, network and volumes of the project removed
#
# COMPOSE_FROM=HEAD builds the images from the last commit (git archive into
# $(COMPOSE_SRC)) instead of the checkout, leaving uncommitted work out of them.
COMPOSE_PROJECT ?= ariflowlab
# docker-compose (v1, this project's machines) or else the docker CLI's "docker compose" (v2).
COMPOSE_CMD ?= $(shell command -v docker-compose >/dev/null 2>&1 && echo docker-compose || echo docker compose)
COMPOSE ?= $(COMPOSE_CMD) -p $(COMPOSE_PROJECT)
# SIPp's logs of failed scenarios and, after a failed compose-e2e, the containers' logs.
COMPOSE_ARTIFACTS ?= $(CURDIR)/docker/artifacts
export ARIFLOW_COMPOSE_ARTIFACTS := $(COMPOSE_ARTIFACTS)
COMPOSE_SUITE_TIMEOUT ?= 1800
COMPOSE_FROM ?= worktree
COMPOSE_SRC ?= /var/cache/ariflow/compose-src
ifeq ($(COMPOSE_FROM),HEAD)
export ARIFLOW_BUILD_CONTEXT := $(COMPOSE_SRC)
else
export ARIFLOW_BUILD_CONTEXT := $(CURDIR)
endif

.PHONY: compose-base compose-src compose-build compose-up compose-e2e compose-down compose-logs

compose-base:
	lab/docker-base.sh

# The build context; the host's extra CA certificates go to the Go build (docker/ca/README.md).
compose-src:
	@if [ "$(COMPOSE_FROM)" = HEAD ]; then \
		echo "compose: building from $$(git rev-parse --short HEAD) (git archive into $(COMPOSE_SRC))"; \
		rm -rf $(COMPOSE_SRC) && mkdir -p $(COMPOSE_SRC) && git archive HEAD | tar -x -C $(COMPOSE_SRC); \
	fi
	@mkdir -p $(ARIFLOW_BUILD_CONTEXT)/docker/ca
	@cp /usr/local/share/ca-certificates/*.crt $(ARIFLOW_BUILD_CONTEXT)/docker/ca/ 2>/dev/null || true

compose-build: compose-base compose-src
	$(COMPOSE) build --force-rm

compose-up: compose-build
	@mkdir -p $(COMPOSE_ARTIFACTS)
	$(COMPOSE) up -d

compose-down:
	$(COMPOSE) --profile mattermost down -v --remove-orphans

compose-logs:
	$(COMPOSE) logs --no-color --tail=200

compose-e2e: compose-build
	@COMPOSE="$(COMPOSE)" PROJECT=$(COMPOSE_PROJECT) ARTIFACTS=$(COMPOSE_ARTIFACTS) \
		SUITE_TIMEOUT=$(COMPOSE_SUITE_TIMEOUT) docker/compose-e2e.sh
