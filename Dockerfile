# syntax=docker/dockerfile:1
# Multi-stage build: a static, stripped binary on a distroless base, run as
# an unprivileged user. Build:
#   docker build --build-arg VERSION=$(git describe --tags) --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ) -t comply .
# Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 ... (the
# compiler runs natively and cross-compiles; no emulation).

FROM --platform=$BUILDPLATFORM golang:1.26-bookworm AS build
WORKDIR /src
# Dependencies first, so source edits do not re-download modules.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
ARG DATE=unknown
ARG TARGETOS=linux
ARG TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" \
      -o /out/comply ./cmd/comply \
 && go version -m /out/comply | grep -q 'CGO_ENABLED=0'

# distroless/static has CA certificates and tzdata (for schedule time zones)
# and no shell; the nonroot tag runs as uid 65532. Mount the config
# read-only; with evidence.dir, mount a writable volume there (or use
# evidence.s3). The root file system can stay read-only.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="comply" \
      org.opencontainers.image.description="Continuous compliance monitoring in Slack" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/comply /usr/local/bin/comply
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/comply"]
CMD ["serve"]
