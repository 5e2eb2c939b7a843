# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
ARG BASE=golang:${GO_VERSION}-alpine
ARG RUNTIME

FROM --platform=$BUILDPLATFORM ${BASE} AS build
ARG TARGETOS TARGETARCH
ARG GO_VERSION
ENV CGO_ENABLED=0 GOOS=$TARGETOS \
    GOARCH=$TARGETARCH
RUN echo "go ${GO_VERSION} for ${TARGETOS}/${TARGETARCH}"

FROM ${RUNTIME:-alpine:3.20} AS runtime
ARG VERSION=dev
LABEL org.opencontainers.image.version=$VERSION
COPY --from=build /out/app /usr/local/bin/app
