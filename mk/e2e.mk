# make e2e: the SIPp scenario suite (lab/e2e) on the chroot lab: every feature once, a table
# of scenario | expected | seen | PASS/FAIL; SIPp's logs of failed scenarios in lab/e2e/logs.
# lab/e2e/run.sh holds the lab lock for the whole run and starts and stops ariflow and the
# Mattermost stand-in. E2E_RUN=REGEXP plays only some scenarios.
.PHONY: e2e e2e-build

e2e-build: build
	$(GO) build -o bin/mmstandin ./cmd/mmstandin
	$(GO) build -o bin/ariflow-e2e ./lab/e2e

e2e: lab-up e2e-build
	lab/e2e/run.sh
