# The compose lab's Go programs, built from this repository (context: the repository root):
#   target ariflow    the app (ariflow serve)
#   target mmstandin  the Mattermost stand-in (cmd/mmstandin)
#   target sipp       SIPp (Debian's sip-tester), lab/sipp/ and the scenario suite
# No golang image is needed (none can be pulled on an offline machine): Debian's golang-go
# starts, and fetches the toolchain go.mod names (GOTOOLCHAIN) from the Go module proxy.
FROM debian:sid AS build
COPY docker/apt.conf /etc/apt/apt.conf.d/90ariflow
RUN apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends golang-go ca-certificates \
        >/dev/null && \
    apt-get clean && rm -rf /var/lib/apt/lists/*
# Extra CA certificates, for a TLS-inspecting proxy between the build and the module proxy
# (docker/ca/README.md); none on an ordinary machine.
COPY docker/ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
ENV GOFLAGS=-trimpath CGO_ENABLED=0 GOPATH=/go
WORKDIR /src
# Toolchain and modules first: a layer that survives source changes. The toolchain is exactly
# go.mod's "go" version (the one CI uses), whatever Debian's golang-go is.
COPY go.mod go.sum ./
RUN echo "go$(sed -n 's/^go //p' go.mod)" >/etc/go-toolchain && \
    GOTOOLCHAIN=$(cat /etc/go-toolchain) go mod download && GOTOOLCHAIN=$(cat /etc/go-toolchain) go version
COPY . .
RUN export GOTOOLCHAIN=$(cat /etc/go-toolchain) && mkdir -p /out && \
    go build -o /out/ ./cmd/ariflow ./cmd/mmstandin && \
    if [ -f lab/e2e/main.go ]; then go build -o /out/e2e ./lab/e2e; fi

# The runtime images share this layer: tzdata (office hours in the routing file's zone),
# curl for health checks.
FROM debian:sid AS runtime
COPY docker/apt.conf /etc/apt/apt.conf.d/90ariflow
RUN apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tzdata ca-certificates curl \
        >/dev/null && \
    apt-get clean && rm -rf /var/lib/apt/lists/*

FROM runtime AS mmstandin
COPY --from=build /out/mmstandin /usr/local/bin/mmstandin
EXPOSE 8065
ENTRYPOINT ["/usr/local/bin/mmstandin"]

FROM runtime AS ariflow
COPY --from=build /out/ariflow /usr/local/bin/ariflow
EXPOSE 5001
ENTRYPOINT ["/usr/local/bin/ariflow"]
CMD ["serve", "/etc/ariflow/routing.yaml"]

FROM runtime AS sipp
RUN apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sip-tester procps \
        >/dev/null && \
    apt-get clean && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/local/bin/
COPY lab/sipp/ /src/lab/sipp/
COPY docker/sipp/ /usr/local/lib/ariflow/
WORKDIR /src
CMD ["/usr/local/lib/ariflow/suite.sh"]
