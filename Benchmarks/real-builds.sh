#!/usr/bin/env bash
# Benchmark (not a test): real toolchain builds (Benchmarks/real/), swiftbuild next to
# `docker build` with BuildKit and `buildah bud --layers`, on the same machine in one run,
# from the same Debian (debootstrap) and busybox bases loaded into each. Run alone, or as
# `Benchmarks/run.sh real [SET...]`:
#
#     sudo Benchmarks/real-builds.sh [go] [c] [python] [apt]     (default: all four)
#
#   go      apt-get install golang-go (~300 MB, ~10k files) in a builder stage, `go build` of
#           the seeds' server, the binary shipped on busybox (COPY --from of one file)
#   c       gcc and make in a builder stage, a static binary shipped on busybox
#   python  a venv with four packages from PyPI, then the project's code
#   apt     apt-get install of a C/C++ toolchain into the exported image itself
#
# Each set is built cold (--no-cache), then again after a one-line edit of its source
# (the cache holds the previous build). For every build: wall seconds; the time of the
# steps' own processes (the sum of the RUN steps' `DONE` times in the plain progress,
# which both swiftbuild and BuildKit print); the builder's overhead (wall minus that); and
# for swiftbuild, from SWIFTBUILD_TRACE_PHASES=1, its own peak RSS (GNU time's figure
# also counts the steps' processes, such as the Go compiler) and the largest time from a
# step's process exit to its DONE ("after"). RUN steps use the host's network (Debian's
# mirror, PyPI). docs/performance.md holds the figures.
#
# Environment: RUNS=1 (runs per set; medians), BASES=/var/tmp/swiftbuild-test-bases
# (scripts/oracle/bases), SCRATCH_PATH=.build-bench (swiftbuild's release build), SWIFTBUILD
# (a built swiftbuild to use instead), START_DOCKERD=1 (start a private dockerd when
# none answers), DOCKER (client), BUILDAH=0 (skip buildah), KEEP_LOGS=DIR, RESULTS=FILE
# (tab-separated figures appended).
set -euo pipefail

cd "$(dirname "$0")/.."
repo="$PWD"
runs="${RUNS:-1}"
bases="${BASES:-/var/tmp/swiftbuild-test-bases}"
sets=("$@")
[[ ${#sets[@]} -gt 0 ]] || sets=(go c python apt)

die() { echo "real-builds.sh: $*" >&2; exit 1; }
say() { echo "$*" >&2; }

[[ "$(id -u)" == 0 ]] || die "needs root"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number"
for set in "${sets[@]}"; do [[ -f "Benchmarks/real/$set/Dockerfile" ]] || die "no set '$set' (go, c, python, apt)"; done
for file in debian.oci.tar busybox.oci.tar debian.docker.tar busybox.docker.tar; do
    [[ -f "$bases/$file" ]] || die "$bases/$file missing (scripts/oracle/bases)"
done
[[ -d /opt/swift/usr/bin ]] && export PATH="/opt/swift/usr/bin:$PATH"
gnu_time=/usr/bin/time
"$gnu_time" -f '%M' -o /dev/null true 2>/dev/null || die "GNU time not found at $gnu_time (apt-get install time)"

work="$(mktemp -d /tmp/swiftbuild-real.XXXXXX)"
mkdir -p "$work/logs"
dockerd_pid=""
buildah_global=()
cleanup() {
    local status=$?
    set +e
    trap - EXIT INT TERM
    if [[ -n "$dockerd_pid" ]]; then
        kill -TERM "$dockerd_pid" 2>/dev/null
        for _ in $(seq 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$dockerd_pid" 2>/dev/null
        wait "$dockerd_pid" 2>/dev/null
    fi
    if [[ ${#buildah_global[@]} -gt 0 ]]; then
        buildah "${buildah_global[@]}" rm --all >/dev/null 2>&1
        buildah "${buildah_global[@]}" umount --all >/dev/null 2>&1
    fi
    awk -v w="$work" '$5 == w || index($5, w "/") == 1 { print $5 }' /proc/self/mountinfo |
        sort -r | while read -r mountpoint; do umount "$mountpoint" 2>/dev/null || umount -l "$mountpoint"; done
    if [[ -n "${KEEP_LOGS:-}" ]]; then mkdir -p "$KEEP_LOGS" && cp -r "$work/logs/." "$KEEP_LOGS/"; fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the tools ---------------------------------------------------------------------------

if [[ -n "${SWIFTBUILD:-}" ]]; then
    swiftbuild="$SWIFTBUILD"
else
    scratch="${SCRATCH_PATH:-.build-bench}"
    say "building swiftbuild (release, $scratch)..."
    swift build -c release --product swiftbuild --scratch-path "$scratch" >&2
    swiftbuild="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/swiftbuild"
fi
revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
[[ -z "$(git status --porcelain -- Sources Package.swift 2>/dev/null)" ]] || revision="$revision+changes"

sb_store="$work/swiftbuild"
"$swiftbuild" load -i "$bases/debian.oci.tar" --root "$sb_store" >/dev/null
"$swiftbuild" load -i "$bases/busybox.oci.tar" --root "$sb_store" >/dev/null
tools=(swiftbuild)

if [[ "${BUILDAH:-1}" != 0 ]] && command -v buildah >/dev/null; then
    say "setting up buildah..."
    for driver in overlay vfs; do
        buildah_global=(--root "$work/buildah/root" --runroot "$work/buildah/runroot" --storage-driver "$driver")
        # The archives' names are not kept by buildah: tag each as the Dockerfiles say.
        if id="$(buildah "${buildah_global[@]}" pull -q "oci-archive:$bases/debian.oci.tar" 2>"$work/logs/buildah-load.log")" &&
            buildah "${buildah_global[@]}" tag "$id" oracle-debian:bookworm &&
            id="$(buildah "${buildah_global[@]}" pull -q "oci-archive:$bases/busybox.oci.tar" 2>>"$work/logs/buildah-load.log")" &&
            buildah "${buildah_global[@]}" tag "$id" oracle-busybox:latest; then
            break
        fi
        buildah "${buildah_global[@]}" rmi --all --force >/dev/null 2>&1 || true
        buildah_global=()
    done
    if [[ ${#buildah_global[@]} -gt 0 ]]; then
        buildah_bud=(buildah "${buildah_global[@]}" bud --layers --pull=never --network host --isolation oci --runtime runc)
        tools+=(buildah)
    fi
fi

docker_note="not measured: no daemon answered (START_DOCKERD=1 starts one)"
# Debian's docker.io client (/usr/bin/docker) builds with its daemon's BuildKit; a newer
# client elsewhere on PATH may need buildx.
docker_client="${DOCKER:-/usr/bin/docker}"
[[ -x "$docker_client" ]] || docker_client="$(command -v docker || echo docker)"
if ! "$docker_client" info >/dev/null 2>&1 && [[ "${START_DOCKERD:-0}" == 1 ]] && command -v dockerd >/dev/null; then
    say "starting dockerd..."
    mkdir -p "$work/docker"
    dockerd --data-root "$work/docker/data" --exec-root "$work/docker/exec" \
        --pidfile "$work/docker/dockerd.pid" -H "unix://$work/docker/docker.sock" \
        --bridge=none --iptables=false >"$work/logs/dockerd.log" 2>&1 &
    dockerd_pid=$!
    export DOCKER_HOST="unix://$work/docker/docker.sock"
    for _ in $(seq 60); do "$docker_client" info >/dev/null 2>&1 && break; sleep 0.5; done
fi
if "$docker_client" info >/dev/null 2>&1; then
    [[ -n "$dockerd_pid" ]] || die "a docker daemon is already running: this script only uses a private one (START_DOCKERD=1 with no DOCKER_HOST daemon)"
    "$docker_client" load -i "$bases/debian.docker.tar" >/dev/null
    "$docker_client" load -i "$bases/busybox.docker.tar" >/dev/null
    for candidate in "$docker_client buildx build --load" "env DOCKER_BUILDKIT=1 $docker_client build"; do
        read -r -a try <<<"$candidate"
        if "${try[@]}" --progress plain --network host -t probe - <<<'FROM oracle-busybox:latest
RUN true' >"$work/logs/docker-probe.log" 2>&1; then
            docker_build=("${try[@]}" --progress plain --network host)
            tools+=(docker)
            docker_note="server $("$docker_client" version -f '{{.Server.Version}}'), ${docker_build[*]}"
            break
        fi
    done
fi

# --- measuring ---------------------------------------------------------------------------

declare -A figures=()

# steps_seconds LOG: the sum of the RUN steps' DONE times in a plain progress log.
steps_seconds() {
    awk '
        match($0, /^#[0-9]+ \[[^]]*\] RUN /) { split($1, n, "#"); run[n[2]] = 1 }
        $2 == "DONE" && $1 ~ /^#[0-9]+$/ { split($1, n, "#"); if (n[2] in run) { t = $3; sub(/s$/, "", t); sum += t } }
        END { printf "%.2f", sum }' "$1"
}

# build SET KIND TOOL RUN: one build, its figures added to SET/KIND/TOOL.
build() {
    local set="$1" kind="$2" tool="$3" run="$4"
    local context="$work/context/$set" log="$work/logs/$set-$kind-$tool-$run.log" start end nocache=()
    [[ "$kind" == cold ]] && nocache=(--no-cache)
    local command
    case "$tool" in
    swiftbuild) command=(env SWIFTBUILD_TRACE_PHASES=1 "$swiftbuild" build --root "$sb_store" --progress plain "${nocache[@]}" -t "real-$set" "$context") ;;
    buildah) command=("${buildah_bud[@]}" "${nocache[@]}" -t "real-$set" "$context") ;;
    docker) command=("${docker_build[@]}" "${nocache[@]}" -t "real-$set" "$context") ;;
    esac
    sync
    start="$(date +%s%N)"
    if ! "$gnu_time" -f '%M' -o "$log.rss" "${command[@]}" >"$log" 2>&1; then
        echo "real-builds.sh: $set $kind, $tool, run $run failed: ${command[*]}" >&2
        tail -30 "$log" >&2
        exit 1
    fi
    end="$(date +%s%N)"
    local wall steps
    wall="$(awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }')"
    steps="-"
    [[ "$tool" == buildah ]] || steps="$(steps_seconds "$log")"
    figures[$set/$kind/$tool/wall]+="$wall "
    [[ "$steps" == - ]] || figures[$set/$kind/$tool/overhead]+="$(awk -v w="$wall" -v s="$steps" 'BEGIN { printf "%.2f", w - s }') "
    if [[ "$tool" == swiftbuild ]]; then
        # Only a swiftbuild with SWIFTBUILD_TRACE_PHASES (this branch on) prints these.
        figures[$set/$kind/$tool/rss]+="$(awk '$2 == "build" && $3 == "peak-rss" { print $4 }' "$log" | tail -1) "
        # Step 0-0 is each set's apt-get install: from its process's exit to its DONE.
        figures[$set/$kind/$tool/after]+="$(awk '$2 == "0-0" && $3 == "after-process" { printf "%.0f", $4 }' "$log") "
    fi
    if [[ "$tool" != buildah ]]; then
        figures[$set/$kind/$tool/copyfrom]+="$(awk '
            match($0, /^#[0-9]+ \[[^]]*\] COPY --from/) { split($1, n, "#"); c = n[2] }
            $2 == "DONE" && $1 == "#" c { t = $3; sub(/s$/, "", t); print t }' "$log") "
    fi
}

median() {
    tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n |
        awk '{ v[NR] = $1 } END { if (NR == 0) { printf "-"; exit } printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# edit SET RUN: a one-line change to the set's source.
edit() {
    local context="$work/context/$1"
    case "$1" in
    go) printf '// benchmark edit %s %s\n' "$2" "$(date +%s%N)" >>"$context/httpserver.go" ;;
    c | apt) printf '/* benchmark edit %s %s */\n' "$2" "$(date +%s%N)" >>"$context/main.c" ;;
    python) printf '# benchmark edit %s %s\n' "$2" "$(date +%s%N)" >>"$context/app.py" ;;
    esac
}

for set in "${sets[@]}"; do
    mkdir -p "$work/context"
    cp -r "Benchmarks/real/$set" "$work/context/$set"
    [[ "$set" != python ]] || cp /etc/ssl/certs/ca-certificates.crt "$work/context/$set/host-ca-certificates.crt"
    say "set $set: cold, then a one-line edit ($runs runs; ${tools[*]})..."
    for run in $(seq "$runs"); do
        for tool in "${tools[@]}"; do build "$set" cold "$tool" "$run"; done
        edit "$set" "$run"
        for tool in "${tools[@]}"; do build "$set" edit "$tool" "$run"; done
    done
done

# --- report ------------------------------------------------------------------------------

echo
echo "swiftbuild $revision, $(date -u +%Y-%m-%dT%H:%MZ); machine: $(nproc) CPUs, Linux $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "docker: $docker_note"
[[ " ${tools[*]} " == *" buildah "* ]] && echo "buildah $(buildah --version | awk '{ print $3 }'): ${buildah_bud[*]:1}"
echo "medians of $runs runs; seconds; ovh = wall - RUN steps' DONE times; from = the COPY --from step's DONE;"
echo "after = the apt-get step's process exit to DONE (ms); RSS = swiftbuild's own peak (MiB)"
echo
printf '%-14s %8s %8s %8s %7s %7s %7s %7s %7s %6s %6s\n' build "sb s" "bk s" "bah s" "sb ovh" "bk ovh" "sb from" "bk from" "sb RSS" after goals
for set in "${sets[@]}"; do
    for kind in cold edit; do
        sb="$(median "${figures[$set/$kind/swiftbuild/wall]:-}")"
        bk="$(median "${figures[$set/$kind/docker/wall]:-}")"
        bh="$(median "${figures[$set/$kind/buildah/wall]:-}")"
        so="$(median "${figures[$set/$kind/swiftbuild/overhead]:-}")"
        ko="$(median "${figures[$set/$kind/docker/overhead]:-}")"
        rss="$(median "${figures[$set/$kind/swiftbuild/rss]:-}")"
        after="$(median "${figures[$set/$kind/swiftbuild/after]:-}")"
        sf="$(median "${figures[$set/$kind/swiftbuild/copyfrom]:-}")"
        kf="$(median "${figures[$set/$kind/docker/copyfrom]:-}")"
        verdict="$(awk -v sb="$sb" -v bk="$bk" -v so="$so" -v ko="$ko" -v rss="$rss" 'BEGIN {
            if (bk == "-") { print "n/a"; exit }
            v = (sb <= bk ? "T" : "t") (so <= ko / 2 ? "O" : "o") (rss != "-" && rss < 100 ? "M" : "m"); print v }')"
        printf '%-14s %8s %8s %8s %7s %7s %7s %7s %7s %6s %6s\n' "$set $kind" "$sb" "$bk" "$bh" "$so" "$ko" "$sf" "$kf" "$rss" "$after" "$verdict"
        if [[ -n "${RESULTS:-}" ]]; then
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$revision" "$set/$kind" "$sb" "$bk" "$bh" "$so" "$ko" "$sf" "$kf" "$rss" "$after" >>"$RESULTS"
        fi
    done
done
echo "goals: T time <= BuildKit's, O overhead <= half BuildKit's, M swiftbuild's peak RSS < 100 MiB (upper case: met, lower case: missed)"
