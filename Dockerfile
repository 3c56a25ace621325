# syntax=docker/dockerfile:1
# Multi-stage build: a static, stripped binary on a distroless base, run as
# an unprivileged user. Build: docker build --build-arg VERSION=$(git describe --tags) -t comply .

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Dependencies first, so source edits do not re-download modules.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
ARG DATE=unknown
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" \
      -o /out/comply ./cmd/comply \
 && /out/comply version

# distroless/static has CA certificates and tzdata (for schedule time zones)
# and no shell; the nonroot tag runs as uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/comply /usr/local/bin/comply
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/comply"]
CMD ["serve"]
