# syntax=docker/dockerfile:1
#
# auditx in the official Fluent Bit image.
#
#   docker build -t auditx:dev --build-arg VERSION=$(git describe --tags --always) .
#   docker run --rm -v /path/to/vendor/exports:/var/log/auditx:ro auditx:dev
#
# Two stages:
#   builder  golang:1.26-trixie (Debian 13, glibc 2.41) builds the auditx
#            library with cgo (-buildmode=c-shared): flb-filter_auditx.so,
#            the filter door, and out_auditx.so, the output door, a symlink
#            to it (one library, one Go runtime), and the auditx CLI.
#   runtime  fluent/fluent-bit:5.1.1, which is gcr.io/distroless/cc-debian13
#            (Debian 13, glibc 2.41) with Fluent Bit in /fluent-bit.
# A c-shared Go library links the build host's glibc dynamically, so the
# builder's glibc must not be newer than the runtime's: both are Debian 13
# here, and build/deploytest asserts that the two images stay on the same
# glibc when either tag changes.

FROM golang:1.26-trixie AS builder
WORKDIR /src
# Modules first: this layer is reused while go.mod and go.sum stay the same.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# The plugin needs cgo; -trimpath keeps build paths out of the binary. The C
# header that -buildmode=c-shared writes next to the .so is not needed.
RUN CGO_ENABLED=1 go build -trimpath -buildmode=c-shared \
        -o /out/plugins/flb-filter_auditx.so ./plugin \
    && rm -f /out/plugins/flb-filter_auditx.h \
    && ln -s flb-filter_auditx.so /out/plugins/out_auditx.so
# The CLI is pure Go (catalog lint/diff, enrich, template) and static.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
        -o /out/bin/auditx ./cmd/auditx
# Writable directories for the non-root user: Fluent Bit's filesystem buffer
# (storage.path) and, for the output door, the in_forward unix socket. A
# distroless image has no shell to create them at run time.
RUN mkdir -p /out/run /out/state

FROM fluent/fluent-bit:5.1.1 AS runtime
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="auditx" \
      org.opencontainers.image.description="Fluent Bit 5.1.1 with the auditx filter: vendor audit logs enriched with ECS event fields" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="https://github.com/auditx/auditx" \
      org.opencontainers.image.base.name="docker.io/fluent/fluent-bit:5.1.1"

# The directory as a whole: COPY keeps the symlink a symlink (copied one by
# one, out_auditx.so would become a second file, and loading both doors a
# second Go runtime).
COPY --from=builder /out/plugins/ /fluent-bit/plugins/
COPY --from=builder /out/bin/auditx /usr/local/bin/auditx
COPY build/plugins.conf /fluent-bit/etc/plugins.conf
COPY build/docker/fluent-bit.conf /fluent-bit/etc/fluent-bit.conf
COPY build/parsers.conf /fluent-bit/etc/parsers-auditx.conf
COPY --from=builder --chown=65532:65532 /out/run /fluent-bit/run
COPY --from=builder --chown=65532:65532 /out/state /fluent-bit/state

# The base image sets no USER, so Fluent Bit would run as root. Distroless
# images ship a "nonroot" account, uid/gid 65532, in /etc/passwd; it is given
# numerically so that Kubernetes' runAsNonRoot can verify it. Log files
# mounted for tail must be readable by it (the Kubernetes DaemonSet overrides
# this with runAsUser 0 to read the node's container logs: see
# build/kubernetes/daemonset.yaml).
USER 65532:65532

# Fluent Bit's HTTP server (HTTP_Server On, Health_Check On in the config):
# GET / answers while the process serves, GET /api/v1/health turns 500 when
# outputs report errors. There is no HEALTHCHECK here on purpose: the
# distroless image has no shell, curl or wget to run one, so health is probed
# from outside (Kubernetes httpGet probes on this port).
EXPOSE 2020

# The base image's ENTRYPOINT is the binary and its CMD repeats the binary's
# path; both are set here so that the command line is exactly
#   /fluent-bit/bin/fluent-bit -c /fluent-bit/etc/fluent-bit.conf
# and `docker run IMAGE -c other.conf` replaces only the arguments.
ENTRYPOINT ["/fluent-bit/bin/fluent-bit"]
CMD ["-c", "/fluent-bit/etc/fluent-bit.conf"]
