# swiftbuild in a small image, built by swiftbuild itself (docs/ci.md):
#
#   swiftbuild build --build-context swift=/opt/swift -t swiftbuild:latest .
#
# Inputs:
#   BASE           a Debian 12 (bookworm) image for both stages (default debian:bookworm)
#   swift          a named build context: the Swift toolchain, a directory holding usr/bin/swift
#                  (--build-context swift=/opt/swift); it is bind-mounted, never copied
#   SWIFT_PACKAGES the name of a named build context with git mirrors of the Swift packages,
#                  laid out as OWNER/NAME.git (--build-arg SWIFT_PACKAGES=swift-packages
#                  --build-context swift-packages=/opt/swift-packages); by default SwiftPM
#                  fetches them from GitHub
#   CONFIGURATION  release (default) or debug; both link the Swift runtime statically
ARG BASE=debian:bookworm
ARG SWIFT_PACKAGES=no-package-mirrors

# An empty stage: what the package-mirror mount shows when no mirrors are given.
FROM scratch AS no-package-mirrors

FROM ${BASE} AS build
# What the toolchain runs with (swift-frontend, swift-build, clang: libcurl4, libxml2, libedit2,
# libsqlite3, libncurses6; the C runtime and gold from binutils), git for SwiftPM, and the
# libraries swiftbuild links (Package.swift: libarchive, libdeflate, libseccomp, through pkg-config;
# zlib for Foundation's static libraries, which --static-swift-stdlib links).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      binutils git ca-certificates libc6-dev libgcc-12-dev libstdc++-12-dev \
      libcurl4 libxml2 libedit2 libsqlite3-0 libncurses6 \
      pkg-config libarchive-dev libdeflate-dev zlib1g-dev libseccomp-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources Sources/
COPY Tests Tests/
COPY Benchmarks Benchmarks/
ARG CONFIGURATION=release
ARG SWIFT_PACKAGES
# .build is a cache mount: a second build of the image compiles only what changed. The binary
# is copied out of it, into the stage's layer, in the same step.
RUN --mount=type=bind,from=swift,target=/opt/swift \
    --mount=type=bind,from=${SWIFT_PACKAGES},target=/opt/swift-packages \
    --mount=type=cache,target=/src/.build,id=swiftbuild-src-build-${CONFIGURATION} \
    if [ -n "$(ls -A /opt/swift-packages)" ]; then \
      export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=url./opt/swift-packages/.insteadOf \
             GIT_CONFIG_VALUE_0=https://github.com/; \
    fi \
 && /opt/swift/usr/bin/swift build -c "$CONFIGURATION" --static-swift-stdlib --product swiftbuild \
 && install -D "$(/opt/swift/usr/bin/swift build -c "$CONFIGURATION" --show-bin-path)/swiftbuild" \
      /out/usr/local/bin/swiftbuild

FROM ${BASE}
# What swiftbuild runs with: the libraries it links (libarchive13, libdeflate0, zlib1g, libseccomp2, and
# libstdc++6 for the Swift runtime linked into it), CA certificates for registries and HTTPS
# ADD, git for ADD of git repositories, ssh-agent and ssh-add for --ssh ID=KEYFILE, ip and
# iptables for --network private.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libarchive13 libdeflate0 zlib1g libseccomp2 libstdc++6 ca-certificates git openssh-client iproute2 iptables \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /
# The store holds overlay snapshots: it must not itself be on the container's overlay root.
VOLUME /var/lib/swiftbuild
CMD ["swiftbuild", "--help"]
