# ariflow. Everything runs as root on Debian 12 with Go at /usr/local/go (lab/README.md).
#
#   make test      vet + unit tests (-race), then the lab, the integration tests and the SIPp scenario suite (make e2e)
#   make lab       the lab, ariflow with examples/office.yaml, and demo SIPp calls
#   make lab-up    build/adopt the Asterisk root (once) and start the lab Asterisk
#   make lab-down  stop it and unmount its root
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go
ARIFLOW_ROOT ?= /var/cache/ariflow/sid-root
export ARIFLOW_ROOT
# Integration logs (SIPp messages, errors, statistics) are kept here (gitignored).
ARTIFACTS ?= $(CURDIR)/integration/artifacts

.PHONY: all build vet unit test integration lab lab-up lab-down lab-status lab-log demo

all: build

build:
	@mkdir -p bin
	$(GO) build -o bin/ariflow ./cmd/ariflow

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race ./...

test: vet unit integration e2e

# The lab's own checks (internal/labtest) and the integration tests, one package at a time
# (they share the one Asterisk). A tree without integration tests yet runs the first only.
integration: lab-up
	@pkgs="./internal/labtest/ $$($(GO) list ./integration/... 2>/dev/null | tr '\n' ' ')"; \
	echo "ARIFLOW_LAB=1 $(GO) test -race -count=1 -p 1 -timeout 30m $$pkgs"; \
	ARIFLOW_LAB=1 ARIFLOW_LAB_ARTIFACTS=$(ARTIFACTS) $(GO) test -race -count=1 -p 1 -timeout 30m $$pkgs

lab-up:
	lab/root.sh
	lab/asterisk.sh start

lab-down:
	lab/asterisk.sh stop

lab-status:
	lab/asterisk.sh status

lab-log:
	lab/asterisk.sh log 100

# The lab, then ariflow serving examples/office.yaml, and the demo calls of lab/demo.sh
# (which starts and stops ariflow itself). The lab stays up: make lab-down.
lab: lab-up build demo

demo:
	lab/demo.sh

# Further targets, one file per owner: mk/e2e.mk (make e2e), mk/compose.mk (the Docker lab),
# mk/bench.mk (make bench, make soak), mk/fuzz.mk (make fuzz).
-include mk/*.mk
